/**
 * The provider contract: four verbs (read, create, update, delete) plus optional bulk
 * list. Providers never touch netfirst state; the engine records what they return and
 * decides every action. Rules every provider keeps:
 * - `read` never mutates, and returns `undefined` for something that no longer exists.
 * - `create` either creates the whole resource or nothing (it cleans up after itself).
 * - `delete` of something already gone succeeds.
 * - errors are `ProviderError`s saying whether a retry can help.
 */
import type { z } from 'zod';
import type { Attributes, ResourceTypeName } from '../specs/model/resource.js';

export interface ResourceType {
  /** Schema of the attributes the engine sends (desired) for this type. */
  readonly schema: z.ZodType;
  /** Attribute names whose change cannot be applied in place. */
  readonly forceNew: readonly string[];
  /** Attribute names the provider fills in (not compared against the spec). */
  readonly computed: readonly string[];
}

/** What the engine asks a provider to realize. Secrets are resolved values, used and forgotten. */
export interface Desired {
  readonly address: string;
  readonly type: ResourceTypeName;
  readonly tenant: string;
  readonly zone: string;
  readonly attributes: Attributes;
  /** Provider IDs of this resource's dependencies, by address. */
  readonly refs: { readonly [address: string]: string };
  readonly secrets: { readonly [attribute: string]: string };
}

/** What the engine recorded for a resource; handed back to the provider for read/update/delete. */
export interface Recorded {
  readonly address: string;
  readonly type: ResourceTypeName;
  readonly tenant: string;
  readonly zone: string;
  readonly providerId: string;
  readonly attributes: Attributes;
}

/** What a provider reports about a real resource. */
export interface Observed {
  readonly providerId: string;
  readonly address: string;
  readonly type: ResourceTypeName;
  readonly tenant: string;
  readonly attributes: Attributes;
  /**
   * Attributes the provider cannot see (netfirst's own decisions it keeps no record of):
   * drift keeps the recorded values for them instead of comparing.
   */
  readonly unobserved?: readonly string[];
}

/**
 * Hooks a provider may call while a call is under way. `accepted` is for providers whose
 * calls are async jobs (CloudStack): call it as soon as the job is accepted, with the job
 * id and the new object's id, before waiting — the engine makes both durable, so a crash
 * or timeout while waiting is resolved by reading that object, not by creating again.
 */
export interface CallProgress {
  accepted(info: { readonly providerId?: string; readonly jobId?: string }): void;
}

export interface Scope {
  readonly zone: string;
  readonly tenant?: string;
  /**
   * What state records, provider ID → address: lets a provider recognise objects whose
   * own marking (a tag) an interrupted call did not get to write.
   */
  readonly recorded?: ReadonlyMap<string, string>;
}

export interface Provider {
  readonly name: string;
  readonly resourceTypes: { readonly [T in ResourceTypeName]?: ResourceType };
  read(r: Recorded): Promise<Observed | undefined>;
  create(d: Desired, progress?: CallProgress): Promise<Observed>;
  update(prior: Recorded, d: Desired, changed: readonly string[], progress?: CallProgress): Promise<Observed>;
  delete(prior: Recorded, progress?: CallProgress): Promise<void>;
  list?(type: ResourceTypeName, scope: Scope): AsyncIterable<Observed>;
  /**
   * Finishes what an interrupted create left undone on an object recovery found by
   * reading and recorded (CloudStack: the tags that tie it to its address). Idempotent;
   * nothing to do for providers whose creates are one call.
   */
  settle?(r: Recorded): Promise<void>;
  /** Everything that really exists in the zone, for `zone inventory`. */
  inventory?(): Promise<readonly Observed[]>;
  /** Lines about how the zone is realized (transport, namespaces…), for `zone inventory`. */
  describe?(): Promise<readonly string[]>;
  /** Runs argv (no shell) inside a VM, attached to the terminal; resolves to its exit code. `netfirst exec`. */
  exec?(address: string, argv: readonly string[]): Promise<number>;
  close?(): Promise<void> | void;
}

export type ProviderErrorCode =
  | 'not-found'
  | 'conflict'
  | 'capacity'
  | 'invalid'
  | 'timeout'
  | 'unavailable'
  | 'injected'
  | 'internal';

/** A typed provider failure. `retryable` says whether the same call may succeed later. */
export class ProviderError extends Error {
  readonly code: ProviderErrorCode;
  readonly retryable: boolean;
  readonly providerMessage: string;
  /**
   * The provider knows the call changed nothing (an async job's own failure, which the
   * platform rolled back): even after the job was accepted, the outcome is not unknown.
   */
  readonly definite: boolean;
  constructor(code: ProviderErrorCode, providerMessage: string, options: { retryable?: boolean; cause?: unknown; definite?: boolean } = {}) {
    super(providerMessage, { cause: options.cause });
    this.name = 'ProviderError';
    this.code = code;
    this.retryable = options.retryable ?? (code === 'timeout' || code === 'unavailable');
    this.providerMessage = providerMessage;
    this.definite = options.definite ?? false;
  }
}
