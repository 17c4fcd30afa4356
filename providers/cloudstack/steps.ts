/**
 * The small steps around CloudStack's jobs that the provider repeats: retrying a step
 * after a job was accepted (when the engine no longer may), tagging an object with its
 * netfirst address (idempotently), replacing those tags, and deleting what may be gone
 * already (confirmed by reading, or tolerated).
 */
import { ProviderError, type Desired } from '../contract.js';
import { ADDRESS_TAG, TAG_RESOURCE_TYPES } from './api.js';
import { type ExtraTags, type Obj, type Params, tagOf, type Tenancy } from './tenancy.js';

/** Deleting what is already gone succeeds: CloudStack says so in several ways (confirm by reading). */
export const GONE = /unable to find|does not exist|not found|could not find|Unable to execute API command .* due to invalid value/i;

export function createSteps(t: Tenancy, stepDelay: number) {
  /**
   * A step after the job that made the object was accepted: the engine can no longer
   * retry the whole call, so the step is retried here, whatever the error — tagging is
   * what ties the object to netfirst and is worth a few attempts.
   */
  async function step<T>(what: string, fn: () => Promise<T>, attempts = 4): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await fn();
      } catch (error) {
        if (n >= attempts || (error instanceof ProviderError && error.code === 'timeout')) {
          throw error instanceof Error ? new ProviderError(error instanceof ProviderError ? error.code : 'internal', `${what}: ${error.message}`, { retryable: false, cause: error }) : error;
        }
        await new Promise((resolve) => setTimeout(resolve, stepDelay * n));
      }
    }
  }

  async function tag(type: keyof typeof TAG_RESOURCE_TYPES, id: string, d: Pick<Desired, 'address' | 'tenant'>, extra: ExtraTags = {}, have?: Obj): Promise<void> {
    const missing = Object.fromEntries(Object.entries({ [ADDRESS_TAG]: d.address, ...extra }).filter(([k]) => have === undefined || tagOf(have, k) === undefined));
    const { [ADDRESS_TAG]: address, ...rest } = missing;
    if (Object.keys(missing).length === 0) return;
    await step(`tagging ${d.address}`, async () => {
      try {
        await t.tag(type, id, address ?? '', d.tenant, rest);
      } catch (error) {
        // A previous attempt's job did the work but was not seen to: the tag is there.
        if (!(error instanceof ProviderError && /already on/i.test(error.message))) throw error;
      }
    });
  }

  /** Replaces netfirst's tags on an object (a rename moves the address; a decision changes). */
  async function retag(type: keyof typeof TAG_RESOURCE_TYPES, id: string, d: Pick<Desired, 'address' | 'tenant'>, tags: ExtraTags): Promise<void> {
    const keys = Object.keys(tags);
    const params: Params = { resourceids: id, resourcetype: TAG_RESOURCE_TYPES[type] };
    keys.forEach((k, i) => (params[`tags[${i}].key`] = k));
    await tolerate(step(`untagging ${d.address}`, () => t.job('deleteTags', params)), /Failed to delete tags/i);
    const { [ADDRESS_TAG]: address = d.address, ...rest } = tags;
    const kept = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== ''));
    await step(`tagging ${d.address}`, () => t.tag(type, id, address, d.tenant, kept));
  }

  /**
   * A delete that succeeded, or whose "not found" a read confirms: CloudStack's refusal of
   * a parameter (431 "due to invalid value") reads like "not found" too, and a refused
   * delete taken for a done one leaves the object behind.
   */
  async function gone(p: Promise<unknown>, stillThere: () => Promise<boolean>): Promise<void> {
    let said: unknown;
    try {
      await p;
      return;
    } catch (error) {
      said = error;
    }
    const message = said instanceof Error ? said.message : String(said);
    if (!(said instanceof ProviderError) || !GONE.test(message) || (await stillThere())) throw said;
  }

  /** Whether a listing by id still shows the object (an id CloudStack no longer knows is refused as "not found"). */
  async function listed(command: Parameters<Tenancy['first']>[0], params: Params): Promise<boolean> {
    const found = await t.first(command, params).catch((error: unknown) => {
      if (error instanceof ProviderError && GONE.test(error.message)) return undefined;
      throw error;
    });
    return found !== undefined;
  }

  async function tolerate(p: Promise<unknown>, also?: RegExp): Promise<void> {
    try {
      await p;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof ProviderError) || !(GONE.test(message) || (also?.test(message) ?? false))) throw error;
    }
  }

  return { step, tag, retag, gone, listed };
}
