/**
 * `createSimProvider`: the embedded default provider. Every mutating call behaves like
 * a CloudStack async job: the failure decision is taken when the call arrives, the
 * job "runs" for `latency` ms, then its checks and its write happen in one synchronous
 * SQLite transaction — so up to any number of concurrent calls can't interleave
 * between a check and its write, and a failed job leaves nothing half-made.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withAttributeDefaults } from '../../specs/model/attribute-defaults.js';
import { followAddressesIn } from '../../specs/model/follow-addresses.js';
import { ATTRIBUTES } from '../../specs/model/attributes.js';
import { type Attributes, RESOURCE_TYPES, type ResourceTypeName } from '../../specs/model/resource.js';
import { type Observed, type Provider, ProviderError, type ResourceType, type Scope } from '../contract.js';
import { createCapacityLedger } from './capacity.js';
import { failureInjector, type MutatingAction } from './failures.js';
import { checkClaims, checkNetworkDeletable, checkPlacement, footprintOf } from './rules.js';
import { openWorld, type SimObject } from './world.js';
import { buildSimZone, type ZoneSpecOutput } from './zone-model.js';

export interface SimProviderOptions {
  readonly zoneName: string;
  readonly zone: ZoneSpecOutput;
  /** The world's SQLite file. */
  readonly path: string;
  readonly now?: () => Date;
}

/** The sim realizes exactly the engine's attribute contract and computes nothing of its own. */
export const SIM_RESOURCE_TYPES: { readonly [T in ResourceTypeName]: ResourceType } = Object.fromEntries(
  RESOURCE_TYPES.map((type) => [type, { schema: ATTRIBUTES[type].schema, forceNew: ATTRIBUTES[type].forceNew, computed: [] }]),
) as unknown as { readonly [T in ResourceTypeName]: ResourceType };

/** A world object as read; objects stored before an attribute existed read with its implicit value. */
const observe = (o: SimObject): Observed => ({ providerId: o.id, address: o.address, type: o.type, tenant: o.tenant, attributes: withAttributeDefaults(o.type, o.attributes) });

export function createSimProvider(options: SimProviderOptions): Provider {
  const { zoneName } = options;
  const now = options.now ?? (() => new Date());
  const config = options.zone.provider;
  if (config.type !== 'sim') throw new Error(`zone ${zoneName} asks for provider ${config.type}, not sim`);
  const latency = config.latency ?? 0;
  const zone = buildSimZone(zoneName, options.zone);
  const world = openWorld(options.path, zoneName);
  const ledger = createCapacityLedger(zone);
  ledger.seed(world.usage());
  const injectFailure = failureInjector({ failureRate: config.failureRate, busyRate: config.busyRate, seed: config.seed, failOn: config.failOn });

  /** Decides failure on arrival (deterministic), then waits like an async job. */
  async function job(address: string, action: MutatingAction): Promise<void> {
    const failure = injectFailure(address, action);
    if (latency > 0) await sleep(latency);
    if (failure !== undefined) {
      throw failure.retryable
        ? new ProviderError('unavailable', failure.message, { retryable: true })
        : new ProviderError('injected', failure.message, { retryable: false });
    }
  }

  function validate(type: ResourceTypeName, attributes: Attributes): Attributes {
    const contract = ATTRIBUTES[type];
    if (!contract) throw new ProviderError('invalid', `Unsupported resource type ${String(type)}`);
    const parsed = contract.schema.safeParse(attributes);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new ProviderError('invalid', `Invalid ${type} attributes: ${detail}`);
    }
    return parsed.data as Attributes;
  }

  function checkZone(z: string): void {
    if (z !== zoneName) throw new ProviderError('invalid', `Unable to find zone ${z}: this provider simulates zone ${zoneName}`);
  }

  return {
    name: 'sim',
    resourceTypes: SIM_RESOURCE_TYPES,

    async read(r) {
      const o = world.get(r.providerId);
      return o && o.type === r.type ? observe(o) : undefined;
    },

    async create(d) {
      checkZone(d.zone);
      const attributes = validate(d.type, d.attributes);
      await job(d.address, 'create');
      const id = randomUUID();
      const footprint = footprintOf(d.type, d.tenant, id, attributes, d.refs);
      const at = now().toISOString();
      const obj: SimObject = { id, type: d.type, tenant: d.tenant, zone: d.zone, address: d.address, attributes, refs: { ...d.refs }, createdAt: at, updatedAt: at };
      world.transaction(() => {
        checkPlacement(zone, world, d.type, attributes, d.refs);
        checkClaims(world, footprint.claims, id, zoneName);
        ledger.check(undefined, footprint);
        world.insert(obj, footprint.claims);
      });
      ledger.apply(undefined, footprint);
      await world.durable();
      return observe(obj);
    },

    async update(prior, d, _changed) {
      checkZone(d.zone);
      const attributes = validate(d.type, d.attributes);
      await job(d.address, 'update');
      let before: ReturnType<typeof footprintOf> | undefined;
      let after: ReturnType<typeof footprintOf> | undefined;
      const updated = world.transaction(() => {
        const current = world.get(prior.providerId);
        if (!current || current.type !== d.type) {
          throw new ProviderError('not-found', `Unable to find ${d.type} with id ${prior.providerId} (${prior.address})`);
        }
        checkInPlace(d.type, followAddressesIn(current.attributes, renamedRefs(current.refs, d.refs)), attributes);
        const refs = { ...current.refs, ...d.refs };
        before = footprintOf(current.type, current.tenant, current.id, current.attributes, current.refs);
        after = footprintOf(d.type, current.tenant, current.id, attributes, refs);
        checkPlacement(zone, world, d.type, attributes, refs);
        checkClaims(world, after.claims, current.id, zoneName);
        ledger.check(before, after);
        const next: SimObject = { ...current, attributes, refs, updatedAt: now().toISOString() };
        world.replace(next, before.claims, after.claims);
        return next;
      });
      ledger.apply(before, after);
      await world.durable();
      return observe(updated);
    },

    async delete(prior) {
      await job(prior.address, 'delete');
      let removed: ReturnType<typeof footprintOf> | undefined;
      world.transaction(() => {
        const current = world.get(prior.providerId);
        if (!current) return; // already gone: deleting what is gone succeeds
        if (current.type === 'network') checkNetworkDeletable(world, current);
        removed = footprintOf(current.type, current.tenant, current.id, current.attributes, current.refs);
        world.remove(current.id, removed.claims);
      });
      if (removed) ledger.apply(removed, undefined);
      await world.durable();
    },

    async *list(type: ResourceTypeName, scope: Scope) {
      // Rows are fetched before the first yield: the consumer may write between items.
      for (const o of world.list(type, scope.zone, scope.tenant)) yield observe(o);
    },

    async inventory() {
      return world.all().map(observe);
    },

    close() {
      world.close();
    },
  };
}

/**
 * Dependencies that kept their object but not their address (a rename): old address → new,
 * matched by provider ID. A reference names the object, so a renamed one is no change.
 */
function renamedRefs(before: { readonly [address: string]: string }, now: { readonly [address: string]: string }): Map<string, string> {
  const byId = new Map(Object.entries(now).map(([address, id]) => [id, address] as const));
  const renamed = new Map<string, string>();
  for (const [address, id] of Object.entries(before)) {
    const to = byId.get(id);
    if (to !== undefined && to !== address) renamed.set(address, to);
  }
  return renamed;
}

/**
 * What can't change in place: replacement attributes (forceNew), and shrinking a disk.
 * The engine plans a replace for these; reaching here means a bug upstream.
 */
function checkInPlace(type: ResourceTypeName, before: Attributes, after: Attributes): void {
  for (const name of ATTRIBUTES[type].forceNew) {
    if (JSON.stringify(before[name]) !== JSON.stringify(after[name])) {
      throw new ProviderError('invalid', `Cannot change ${name} of a ${type} in place`);
    }
  }
  if (type === 'disk' && Number(after['sizeGiB']) < Number(before['sizeGiB'])) {
    throw new ProviderError('invalid', `Disk can't be shrunk: ${before['sizeGiB']} GiB to ${after['sizeGiB']} GiB`);
  }
  if (type === 'vm') {
    const was = (before['rootDisk'] as { sizeGiB: number }).sizeGiB;
    const is = (after['rootDisk'] as { sizeGiB: number }).sizeGiB;
    if (is < was) throw new ProviderError('invalid', `Root disk can't be shrunk: ${was} GiB to ${is} GiB`);
  }
}
