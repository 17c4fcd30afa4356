import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openState, type ResourceRecord, type StateStore } from '../../state/index.js';
import { migrate, MIGRATIONS } from '../../state/migrations.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-state-'));
  dirs.push(dir);
  return join(dir, 'nested', '.netfirst', 'state.db');
}

/** A clock tests set by hand. */
function manualClock(start: string) {
  let t = new Date(start);
  return { now: () => t, set: (iso: string) => void (t = new Date(iso)) };
}

/** A clock that advances 1.5 s per reading from a fixed instant. */
function steppingClock(start = '2025-03-01T10:00:00.000Z', stepMs = 1500): () => Date {
  let t = Date.parse(start);
  return () => {
    const d = new Date(t);
    t += stepMs;
    return d;
  };
}

const network = (name: string, vlan: number, overrides: Partial<ResourceRecord> = {}): ResourceRecord => ({
  address: `acme/network/${name}`,
  type: 'network',
  tenant: 'acme',
  zone: 'z1',
  providerId: `net-${name}`,
  attributes: { name, cidr: '10.0.0.0/24', gateway: '10.0.0.1', segment: { type: 'vlan', id: vlan }, sourceNatIp: null, colocationHandoff: null },
  dependsOn: [],
  boundTo: [],
  protect: false,
  sensitive: [],
  ...overrides,
});

const vm = (name: string, ips: string[]): ResourceRecord => ({
  address: `acme/vm/${name}`,
  type: 'vm',
  tenant: 'acme',
  zone: 'z1',
  providerId: `vm-${name}`,
  attributes: {
    name, hypervisor: 'kvm', cluster: 'kvm-a', cpu: 2, memoryMiB: 4096, template: 'ubuntu-24.04',
    nics: ips.map((ip) => ({ network: 'acme/network/office', ip })), rootDisk: { sizeGiB: 40, tier: 'performance' },
  },
  dependsOn: ['acme/network/office'],
  boundTo: ['acme/network/office'],
  protect: false,
  sensitive: [],
});

const intent = (r: Pick<ResourceRecord, 'address' | 'type' | 'tenant' | 'zone'>, action: 'create' | 'update' | 'delete' | 'read', providerId?: string) => ({
  address: r.address, type: r.type, tenant: r.tenant, zone: r.zone, action, runId: 'run-1', ...(providerId ? { providerId } : {}),
});

function create(state: StateStore, r: ResourceRecord) {
  return state.commitCreate(state.beginOperation(intent(r, 'create')), r);
}

describe('opening a state', () => {
  it('creates its directory, applies every migration once, and keeps its lineage across reopens', () => {
    const path = tempPath();
    const first = openState(path);
    const lineage = first.lineage;
    expect(lineage).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.schemaVersion).toBe(MIGRATIONS.at(-1)!.version);
    first.close();

    const again = openState(path);
    expect(again.lineage).toBe(lineage);
    expect(again.serial()).toBe(0);
    again.close();

    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('gives two new states different lineages', () => {
    const a = openState(tempPath());
    const b = openState(tempPath());
    expect(a.lineage).not.toBe(b.lineage);
    a.close();
    b.close();
  });

  it('refuses a database from a newer netfirst', () => {
    const path = tempPath();
    openState(path).close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_version VALUES (999, 'future', '2030-01-01T00:00:00.000Z')").run();
    db.close();
    expect(() => openState(path)).toThrow(/newer than this netfirst/);
  });
});

describe('serial', () => {
  it.each([
    { reason: 'beginning an operation changes no resource', given: ['begin'], want: 0 },
    { reason: 'a failed operation changes no resource', given: ['begin', 'fail'], want: 0 },
    { reason: 'each committed create counts once', given: ['create', 'create'], want: 2 },
    { reason: 'create, update and delete each count', given: ['create', 'update', 'delete'], want: 3 },
  ])('$reason', ({ given, want }) => {
    const state = openState(tempPath());
    let n = 0;
    for (const step of given) {
      const r = network(`n${n}`, 100 + n);
      if (step === 'begin') state.beginOperation(intent(r, 'create'));
      if (step === 'fail') state.failOperation(state.beginOperation(intent(r, 'create')), 'boom');
      if (step === 'create') {
        create(state, r);
        n++;
      }
      if (step === 'update') {
        const prev = network(`n${n - 1}`, 100 + n - 1);
        state.commitUpdate(state.beginOperation(intent(prev, 'update')), { ...prev, protect: true });
      }
      if (step === 'delete') state.commitDelete(state.beginOperation(intent(network(`n${n - 1}`, 0), 'delete')), `acme/network/n${n - 1}`);
    }
    expect(state.serial()).toBe(want);
    state.close();
  });
});

describe('tenant versions (migration 8)', () => {
  it('draws a new version for a tenant at every write to one of its records, and only for it', () => {
    const state = openState(tempPath());
    expect(state.tenantVersions()).toEqual(new Map());
    create(state, network('office', 310));
    const first = state.tenantVersions().get('acme')!;
    expect(first.resources).toBe(1);
    create(state, vm('web-1', ['10.0.0.5']));
    const second = state.tenantVersions().get('acme')!;
    expect(second).toMatchObject({ resources: 2 });
    expect(second.version).not.toBe(first.version);
    const moved = network('office', 311);
    state.commitUpdate(state.beginOperation(intent(moved, 'update', 'net-office')), moved);
    const third = state.tenantVersions().get('acme')!;
    expect(third.version).not.toBe(second.version);
    expect(third.resources).toBe(2);
    state.commitDelete(state.beginOperation(intent(vm('web-1', []), 'delete', 'vm-web-1')), 'acme/vm/web-1');
    expect(state.tenantVersions().get('acme')).toMatchObject({ resources: 1 });
    state.commitDelete(state.beginOperation(intent(network('office', 0), 'delete', 'net-office')), 'acme/network/office');
    // A tenant without records is not listed.
    expect(state.tenantVersions()).toEqual(new Map());
    // Reading changes nothing; beginning or failing an operation writes no record.
    create(state, network('office', 310));
    const before = state.tenantVersions().get('acme')!;
    state.failOperation(state.beginOperation(intent(vm('db-1', []), 'create')), 'boom');
    expect(state.tenantVersions().get('acme')).toEqual(before);
    state.close();
  });

  it('gives the records of a state made before it a version when it migrates', () => {
    const path = tempPath();
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    migrate(db, new Date('2025-01-01T00:00:00.000Z'), MIGRATIONS.filter((m) => m.version <= 7));
    db.prepare(`INSERT INTO resources VALUES ('acme/network/office', 'network', 'acme', 'z1', 'net-office', '{}', '[]', '[]', 0, '[]', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')`).run();
    db.close();
    const state = openState(path);
    expect(state.tenantVersions().get('acme')).toMatchObject({ resources: 1 });
    state.close();
  });
});

describe('committing outcomes together', () => {
  it('commits each in a savepoint of one transaction: a refused one leaves the others committed', () => {
    const state = openState(tempPath());
    const [a, b, c] = state.beginOperations([intent(network('a', 310), 'create'), intent(network('b', 311), 'create'), intent(network('c', 312), 'create')]);
    const results = state.commitOutcomes([
      { action: 'create', opId: a!, resource: network('a', 310) },
      // Refused: operation b journals a create of acme/network/b, not of this address.
      { action: 'create', opId: b!, resource: network('other', 311) },
      { action: 'create', opId: c!, resource: network('c', 312) },
    ]);
    expect(results[0]).toBeUndefined();
    expect(results[1]).toBeInstanceOf(Error);
    expect(results[2]).toBeUndefined();
    expect(state.listResources().map((r) => r.address)).toEqual(['acme/network/a', 'acme/network/c']);
    expect(state.pendingOperations().map((op) => op.address)).toEqual(['acme/network/b']);
    expect(state.serial()).toBe(2);
    expect([...state.events()].map((e) => e.address)).toEqual(['acme/network/a', 'acme/network/c']);
    state.close();
  });
});

describe('committing operations', () => {
  it('commitCreate records the resource, its allocations and a create event together', () => {
    const state = openState(tempPath(), { now: steppingClock() });
    const recorded = create(state, network('office', 310));
    expect(state.getResource('acme/network/office')).toEqual(recorded);
    expect(recorded.createdAt).toBe(recorded.updatedAt);
    expect(state.listAllocations('z1')).toEqual([
      { zone: 'z1', kind: 'ip', value: 'acme/network/office:10.0.0.1', address: 'acme/network/office' },
      { zone: 'z1', kind: 'vlan', value: '310', address: 'acme/network/office' },
    ]);
    expect([...state.events()].map((e) => [e.action, e.address, e.providerId])).toEqual([['create', 'acme/network/office', 'net-office']]);
    expect(state.pendingOperations()).toEqual([]);
    state.close();
  });

  it('commitUpdate keeps createdAt, moves allocations with the attributes, and records an update event', () => {
    const state = openState(tempPath(), { now: steppingClock() });
    const created = create(state, network('office', 310));
    const moved = network('office', 311);
    const updated = state.commitUpdate(state.beginOperation(intent(moved, 'update', 'net-office')), moved);
    expect(updated.createdAt).toBe(created.createdAt);
    expect(updated.updatedAt > created.updatedAt).toBe(true);
    expect(state.listAllocations().filter((a) => a.kind === 'vlan').map((a) => a.value)).toEqual(['311']);
    expect([...state.events()].map((e) => e.action)).toEqual(['create', 'update']);
    state.close();
  });

  it('commitDelete removes the resource and its allocations and records a delete event without attributes', () => {
    const state = openState(tempPath());
    create(state, network('office', 310));
    create(state, vm('web-1', ['10.0.0.5', '10.0.0.6']));
    state.commitDelete(state.beginOperation(intent(vm('web-1', []), 'delete', 'vm-web-1')), 'acme/vm/web-1');
    expect(state.getResource('acme/vm/web-1')).toBeUndefined();
    expect(state.listAllocations().map((a) => a.value)).toEqual(['acme/network/office:10.0.0.1', '310']);
    const last = [...state.events()].at(-1)!;
    expect(last).toMatchObject({ action: 'delete', address: 'acme/vm/web-1', providerId: 'vm-web-1', attributes: null, type: 'vm' });
    state.close();
  });

  it('commitDelete of a replaced object (create-before-destroy) keeps the new row but records the old one gone', () => {
    const state = openState(tempPath());
    create(state, network('office', 310));
    const replacement = network('office', 311, { providerId: 'net-office-2' });
    state.commitCreate(state.beginOperation(intent(replacement, 'create')), replacement);
    state.commitDelete(state.beginOperation(intent(replacement, 'delete', 'net-office')), 'acme/network/office');
    expect(state.getResource('acme/network/office')?.providerId).toBe('net-office-2');
    expect([...state.events()].map((e) => `${e.action}:${e.providerId}`)).toEqual(['create:net-office', 'create:net-office-2', 'delete:net-office']);
    state.close();
  });

  it.each([
    { reason: 'an operation committed twice is a bug', given: 'twice', want: /no operation .* \(already committed\?\)/ },
    { reason: 'committing another address than the one journalled is a bug', given: 'wrong-address', want: /is for acme\/network\/office/ },
    { reason: 'committing a create for an update operation is a bug', given: 'wrong-action', want: /is a update/ },
    { reason: 'an unknown operation is a bug', given: 'unknown', want: /no operation/ },
  ])('writes nothing when the commit is refused: $reason', ({ given, want }) => {
    const state = openState(tempPath());
    const r = network('office', 310);
    const op = state.beginOperation(intent(r, given === 'wrong-action' ? 'update' : 'create'));
    if (given === 'twice') state.commitCreate(op, r);
    const before = { serial: state.serial(), events: [...state.events()].length, allocations: state.listAllocations().length };
    const attempt = () => {
      if (given === 'wrong-address') return state.commitCreate(op, network('other', 311));
      if (given === 'unknown') return state.commitCreate(op + 100, r);
      return state.commitCreate(op, r);
    };
    expect(attempt).toThrow(want);
    expect({ serial: state.serial(), events: [...state.events()].length, allocations: state.listAllocations().length }).toEqual(before);
    state.close();
  });

  it('rolls the whole commit back when one write fails', () => {
    const path = tempPath();
    const state = openState(path);
    const op = state.beginOperation(intent(network('office', 310), 'create'));
    // Sabotage the event insert: the resource row and allocations written before it must not survive.
    const db = new Database(path);
    db.exec("CREATE TRIGGER no_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'events are read-only'); END");
    db.close();
    expect(() => state.commitCreate(op, network('office', 310))).toThrow(/read-only/);
    expect(state.getResource('acme/network/office')).toBeUndefined();
    expect(state.listAllocations()).toEqual([]);
    expect(state.serial()).toBe(0);
    expect(state.pendingOperations().map((o) => o.id)).toEqual([op]);
    state.close();
  });
});

describe('the journal', () => {
  it('shows an operation begun and never finished after a crash (reopen)', () => {
    const path = tempPath();
    const clock = manualClock('2025-03-01T10:00:00.000Z');
    const state = openState(path, { now: clock.now });
    create(state, network('done', 100));
    state.failOperation(state.beginOperation(intent(network('failed', 101), 'create')), 'quota');
    clock.set('2025-03-01T10:05:00.123Z');
    const inFlight = state.beginOperation(intent(network('office', 310), 'delete', 'net-office'));
    state.close(); // the process dies here

    const reopened = openState(path);
    expect(reopened.pendingOperations()).toEqual([
      {
        id: inFlight, runId: 'run-1', address: 'acme/network/office', action: 'delete', type: 'network', tenant: 'acme', zone: 'z1',
        providerId: 'net-office', status: 'pending', startedAt: '2025-03-01T10:05:00.123Z', finishedAt: null, message: null,
      },
    ]);
    expect(reopened.operation(inFlight - 1)).toMatchObject({ status: 'failed', message: 'quota' });
    reopened.close();
  });

  it('resolves a refresh that found no change without touching resources', () => {
    const state = openState(tempPath());
    create(state, network('office', 310));
    const op = state.beginOperation(intent(network('office', 310), 'read', 'net-office'));
    state.commitNoChange(op);
    expect(state.pendingOperations()).toEqual([]);
    expect(state.serial()).toBe(1);
    state.close();
  });
});

describe('events', () => {
  it('carry the exact injected timestamps, in id order, filterable by time and tenant', () => {
    const clock = manualClock('2025-03-01T10:00:00.000Z');
    const state = openState(tempPath(), { now: clock.now });
    const at = (iso: string, fn: () => unknown) => {
      clock.set(iso);
      fn();
    };
    at('2025-03-01T11:00:00.000Z', () => create(state, network('office', 310)));
    at('2025-03-01T13:00:00.000Z', () => create(state, { ...network('lab', 311), address: 'beta/network/lab', tenant: 'beta' }));
    at('2025-03-01T15:00:00.000Z', () => state.commitDelete(state.beginOperation(intent(network('office', 0), 'delete')), 'acme/network/office'));

    expect([...state.events()].map((e) => [e.id, e.at, e.action, e.tenant])).toEqual([
      [1, '2025-03-01T11:00:00.000Z', 'create', 'acme'],
      [2, '2025-03-01T13:00:00.000Z', 'create', 'beta'],
      [3, '2025-03-01T15:00:00.000Z', 'delete', 'acme'],
    ]);
    expect([...state.events({ tenant: 'acme' })].map((e) => e.id)).toEqual([1, 3]);
    expect([...state.events({ from: '2025-03-01T13:00:00.000Z' })].map((e) => e.id)).toEqual([2, 3]);
    expect([...state.events({ to: new Date('2025-03-01T13:00:00.000Z') })].map((e) => e.id)).toEqual([1]);
    expect([...state.events()][0]!.attributes).toMatchObject({ segment: { type: 'vlan', id: 310 } });
    state.close();
  });
});

describe('reading resources', () => {
  it('lists by address and by tenant (a tenant is not a prefix of another)', () => {
    const state = openState(tempPath());
    for (const r of [network('b', 101), network('a', 100), { ...network('x', 102), address: 'acme-2/network/x', tenant: 'acme-2' }]) create(state, r);
    expect(state.listResources().map((r) => r.address)).toEqual(['acme-2/network/x', 'acme/network/a', 'acme/network/b']);
    expect(state.listByTenant('acme').map((r) => r.address)).toEqual(['acme/network/a', 'acme/network/b']);
    expect(state.listByTenant('nobody')).toEqual([]);
    create(state, vm('web-1', ['10.0.0.5']));
    expect(state.listResources().find((r) => r.type === 'vm')).toEqual(state.getResource('acme/vm/web-1'));
    expect(state.listByTenant('acme').at(-1)?.dependsOn).toEqual(['acme/network/office']);
    expect(state.snapshot().resources.get('acme/vm/web-1')).toEqual(state.getResource('acme/vm/web-1'));
    state.close();
  });
});

describe('snapshots', () => {
  it('are deeply frozen and stay what they were when taken', () => {
    const state = openState(tempPath());
    create(state, network('office', 310));
    const snap = state.snapshot();
    expect(snap).toMatchObject({ lineage: state.lineage, serial: 1 });
    const r = snap.resources.get('acme/network/office')!;
    expect(Object.isFrozen(snap)).toBe(true);
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.attributes['segment'])).toBe(true);
    expect(() => (snap.resources as Map<string, unknown>).set('x', {})).toThrow();
    expect(() => {
      (r.attributes as { cidr: string }).cidr = '10.9.9.0/24';
    }).toThrow(TypeError);

    expect(state.snapshot()).toBe(snap); // nothing changed: the same object
    create(state, network('lab', 311));
    const next = state.snapshot();
    expect(next.serial).toBe(2);
    expect([...next.resources.keys()]).toEqual(['acme/network/lab', 'acme/network/office']);
    expect(snap.resources.size).toBe(1);
    state.close();
  });
});
