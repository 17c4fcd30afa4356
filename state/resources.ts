/**
 * The resources table: one row per recorded resource, JSON columns for attributes and
 * address lists. Statements are prepared once per store; `write` and `remove` also
 * keep the resource's allocations in step and must run inside the caller's transaction.
 */
import type Database from 'better-sqlite3';
import { withAttributeDefaults } from '../specs/model/attribute-defaults.js';
import type { RecordedResource, ResourceTypeName } from '../specs/model/resource.js';
import { type Allocation, type AllocationKind, allocationsOf } from './allocations.js';

/** A resource as handed to the store; timestamps are stamped by the store's clock. */
export type ResourceRecord = Omit<RecordedResource, 'createdAt' | 'updatedAt'>;

type ResourceRow = [
  address: string,
  type: string,
  tenant: string,
  zone: string,
  providerId: string,
  attributes: string,
  dependsOn: string,
  boundTo: string,
  protect: number,
  sensitive: string,
  createdAt: string,
  updatedAt: string,
];

const COLUMNS = 'address, type, tenant, zone, provider_id, attributes, depends_on, bound_to, protect, sensitive, created_at, updated_at';

/** Most resources have no dependencies or sensitive attributes: share one frozen empty list. */
const EMPTY: readonly string[] = Object.freeze([]);

/**
 * Address lists repeat a lot (every VM of a network depends on it), so a bulk load
 * parses each distinct list once and shares it, frozen, between resources.
 */
export type ListCache = Map<string, readonly string[]>;

function parseList(json: string, cache?: ListCache): readonly string[] {
  if (json === '[]') return EMPTY;
  if (!cache) return JSON.parse(json);
  let list = cache.get(json);
  if (!list) {
    list = Object.freeze(JSON.parse(json) as string[]);
    cache.set(json, list);
  }
  return list;
}

/** Rows are read with `.raw()` (arrays): 50,000 resources load without building row objects first. */
export function rowToResource(row: ResourceRow, lists?: ListCache): RecordedResource {
  return {
    address: row[0],
    type: row[1] as ResourceTypeName,
    tenant: row[2],
    zone: row[3],
    providerId: row[4],
    // Rows written before an attribute existed read with its implicit value (a VM without `power` ran).
    attributes: withAttributeDefaults(row[1] as ResourceTypeName, JSON.parse(row[5])),
    dependsOn: parseList(row[6], lists),
    boundTo: parseList(row[7], lists),
    protect: row[8] === 1,
    sensitive: parseList(row[9], lists),
    createdAt: row[10],
    updatedAt: row[11],
  };
}

type Held = { zone: string; kind: AllocationKind; value: string };

/** The allocations a resource holds. Its attributes are the source of truth, so no index by address is needed. */
function held(r: Pick<RecordedResource, 'type' | 'address' | 'zone' | 'attributes'>): Held[] {
  return allocationsOf(r.type, r.address, r.attributes).map((a) => ({ zone: r.zone, kind: a.kind, value: a.value }));
}
const heldKey = (a: Held): string => `${a.zone}\0${a.kind}\0${a.value}`;

export interface ResourceTable {
  get(address: string): RecordedResource | undefined;
  list(): RecordedResource[];
  listByTenant(tenant: string): RecordedResource[];
  /** Visits every resource in address order without collecting them. */
  each(visit: (r: RecordedResource) => void): void;
  listAllocations(zone?: string): Allocation[];
  /** Upserts the row and brings its allocations in step. Call inside a transaction. */
  write(resource: RecordedResource): void;
  /** Deletes the row and its allocations. Call inside a transaction. */
  remove(address: string): void;
}

export function prepareResources(db: Database.Database): ResourceTable {
  const get = db.prepare<[string], ResourceRow>(`SELECT ${COLUMNS} FROM resources WHERE address = ?`).raw(true);
  const all = db.prepare<[], ResourceRow>(`SELECT ${COLUMNS} FROM resources ORDER BY address`).raw(true);
  // Addresses start with `<tenant>/` and tenant names have no '/', so a tenant's rows are
  // the primary-key range ['<tenant>/', '<tenant>0') ('0' follows '/').
  const byTenant = db
    .prepare<[string, string, string], ResourceRow>(`SELECT ${COLUMNS} FROM resources WHERE address >= ? AND address < ? AND tenant = ? ORDER BY address`)
    .raw(true);
  const upsert = db.prepare(`INSERT INTO resources (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (address) DO UPDATE SET
      type = excluded.type, tenant = excluded.tenant, zone = excluded.zone, provider_id = excluded.provider_id,
      attributes = excluded.attributes, depends_on = excluded.depends_on, bound_to = excluded.bound_to,
      protect = excluded.protect, sensitive = excluded.sensitive, created_at = excluded.created_at,
      updated_at = excluded.updated_at`);
  const del = db.prepare('DELETE FROM resources WHERE address = ?');
  const release = db.prepare('DELETE FROM allocations WHERE zone = ? AND kind = ? AND value = ? AND address = ?');
  // Recording what really exists must never fail: if a value is already held by
  // another address (a create-before-destroy replacement, or state that drifted),
  // the resource recorded last owns it. `verify` is where duplicates are refused.
  const claim = db.prepare(`INSERT INTO allocations (zone, kind, value, address) VALUES (?, ?, ?, ?)
    ON CONFLICT (zone, kind, value) DO UPDATE SET address = excluded.address`);
  const allAllocations = db.prepare<[], Allocation>('SELECT zone, kind, value, address FROM allocations ORDER BY zone, kind, value');
  const zoneAllocations = db.prepare<[string], Allocation>('SELECT zone, kind, value, address FROM allocations WHERE zone = ? ORDER BY kind, value');

  return {
    get(address) {
      const row = get.get(address);
      return row ? rowToResource(row) : undefined;
    },
    list: () => all.all().map((row) => rowToResource(row)),
    listByTenant: (tenant) => byTenant.all(`${tenant}/`, `${tenant}0`, tenant).map((row) => rowToResource(row)),
    each(visit) {
      const lists: ListCache = new Map();
      for (const row of all.iterate()) visit(rowToResource(row, lists));
    },
    listAllocations: (zone) => (zone === undefined ? allAllocations.all() : zoneAllocations.all(zone)),
    write(r) {
      const priorRow = get.get(r.address);
      upsert.run(
        r.address, r.type, r.tenant, r.zone, r.providerId,
        JSON.stringify(r.attributes), JSON.stringify(r.dependsOn), JSON.stringify(r.boundTo),
        r.protect ? 1 : 0, JSON.stringify(r.sensitive), r.createdAt, r.updatedAt,
      );
      // Only the difference is written: an update that keeps its VLAN and IPs touches no allocation page.
      const prior = priorRow ? held(rowToResource(priorRow)) : [];
      const next = held(r);
      const nextKeys = new Set(next.map(heldKey));
      const priorKeys = new Set(prior.map(heldKey));
      for (const a of prior) if (!nextKeys.has(heldKey(a))) release.run(a.zone, a.kind, a.value, r.address);
      for (const a of next) if (!priorKeys.has(heldKey(a))) claim.run(a.zone, a.kind, a.value, r.address);
    },
    remove(address) {
      const row = get.get(address);
      if (!row) return;
      for (const a of held(rowToResource(row))) release.run(a.zone, a.kind, a.value, address);
      del.run(address);
    },
  };
}
