/**
 * The tenant page's pure parts: which lines of a spec file it shows (only the tenant's
 * own document, numbered as in the file), how drift lines up in three columns, and the
 * key facts of the resources table.
 */
import { h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { driftRows } from '../../engine/serve/console/drift-check.js';
import { keyFacts } from '../../engine/serve/console/resource-facts.js';
import { tenantLines } from '../../engine/serve/console/spec-lines.js';
import { TopologyOutline } from '../../engine/serve/console/topology-outline.js';
import type { Topology } from '../../engine/topology/index.js';
import type { Change } from '../../engine/plan/change.js';
import type { Drift } from '../../engine/plan/drift.js';
import type { Attributes, ResourceTypeName } from '../../specs/model/resource.js';
import { desired, recorded } from '../engine/resources.js';

const ONE = 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: a }\nspec: { zone: z }\n';
const THREE = [
  '# first: a zone', 'apiVersion: netfirst/v1', 'kind: Zone', 'metadata: { name: z }', '---',
  '# second: tenant a', 'apiVersion: netfirst/v1', 'kind: Tenant', 'metadata: { name: a }', 'spec: { zone: z }', '---',
  '# third: another partner\'s tenant', 'apiVersion: netfirst/v1', 'kind: Tenant', 'metadata: { name: b }', 'spec: { zone: z }', '',
].join('\n');

describe('the spec lines shown', () => {
  it.each([
    { reason: 'a file of one document is shown whole, from line 1', text: ONE, doc: 0, want: { first: 1, count: 4, head: 'apiVersion: netfirst/v1', tail: 'spec: { zone: z }' } },
    { reason: "a middle document is shown alone, its separator and comments with it, numbered as in the file", text: THREE, doc: 1, want: { first: 5, count: 6, head: '---', tail: 'spec: { zone: z }' } },
    { reason: 'the last document stops at the end of the file', text: THREE, doc: 2, want: { first: 11, count: 6, head: '---', tail: 'spec: { zone: z }' } },
    { reason: 'the first document stops before the next one', text: THREE, doc: 0, want: { first: 1, count: 4, head: '# first: a zone', tail: 'metadata: { name: z }' } },
  ])('$reason', ({ text, doc, want }) => {
    const shown = tenantLines(text, doc)!;
    expect({ first: shown.first, count: shown.lines.length, head: shown.lines[0], tail: shown.lines.at(-1) }).toEqual(want);
    // Never another tenant's document.
    if (doc !== 2) expect(shown.lines.join('\n')).not.toContain('name: b');
  });

  it('shows nothing of a file it cannot split, rather than too much', () => {
    expect(tenantLines(THREE, 7)).toBeUndefined();
    expect(tenantLines('['.repeat(5000), 0)).toBeUndefined();
  });
});

const vm = (memoryMiB: number, more = {}) => desired('t/vm/web', 'vm', { name: 'web', cpu: 2, memoryMiB, secret: 'hmac-sha256:abc', ...more }, { sensitive: ['secret'] });

describe('drift in three columns', () => {
  it('lines up what the spec asks, what the state recorded and what reality is', () => {
    const before = recorded(vm(4096));
    const drift: Drift[] = [{ kind: 'changed', address: 't/vm/web', type: 'vm', before, observed: { ...before.attributes, memoryMiB: 8192 }, changed: ['memoryMiB'] }];
    const changes: Change[] = [{ action: 'update', address: 't/vm/web', type: 'vm', tenant: 't', before, after: vm(6144), changed: ['memoryMiB'] }];
    expect(driftRows(drift, changes)).toEqual([{ address: 't/vm/web', type: 'vm', kind: 'changed', attribute: 'memoryMiB', spec: { value: 6144 }, recorded: 4096, observed: 8192 }]);
  });

  it.each([
    { reason: 'a resource the spec no longer has', changes: (b: ReturnType<typeof recorded>): Change[] => [{ action: 'delete', address: 't/vm/web', type: 'vm', tenant: 't', before: b }], want: 'absent' },
    { reason: 'a resource renamed in the spec is found under its old address', changes: (b: ReturnType<typeof recorded>): Change[] => [{ action: 'noop', address: 't/vm/www', type: 'vm', tenant: 't', before: b, after: vm(8192), movedFrom: 't/vm/web' }], want: { value: 8192 } },
    { reason: 'a spec that could not be planned', changes: (): Change[] => [], want: 'absent' },
  ])('the spec column of $reason', ({ changes, want }) => {
    const before = recorded(vm(4096));
    const drift: Drift[] = [{ kind: 'changed', address: 't/vm/web', type: 'vm', before, observed: { ...before.attributes, memoryMiB: 8192 }, changed: ['memoryMiB'] }];
    expect(driftRows(drift, changes(before))[0]!.spec).toEqual(want);
  });

  it('never shows a sensitive value, and shows a resource gone from reality as one row', () => {
    const before = recorded(vm(4096));
    const drift: Drift[] = [
      { kind: 'changed', address: 't/vm/web', type: 'vm', before, observed: { ...before.attributes, secret: 'plain' }, changed: ['secret'] },
      { kind: 'deleted', address: 't/vm/web', type: 'vm', before },
    ];
    const rows = driftRows(drift, [{ action: 'noop', address: 't/vm/web', type: 'vm', tenant: 't', before, after: vm(4096) }]);
    expect(JSON.stringify(rows)).not.toMatch(/plain|hmac-sha256/);
    expect(rows[1]).toEqual({ address: 't/vm/web', type: 'vm', kind: 'deleted', spec: { value: 'present' }, recorded: 'present', observed: undefined });
  });
});

describe('key facts of a resource', () => {
  it.each<{ reason: string; type: ResourceTypeName; attributes: Attributes; want: string[] }>([
    { reason: "a VM's size, addresses, root disk and power", type: 'vm', attributes: { cpu: 4, memoryMiB: 8192, hypervisor: 'kvm', cluster: 'kvm-a', nics: [{ network: 't/network/office', ip: '10.0.0.5' }], rootDisk: { sizeGiB: 60, tier: 'performance' }, power: 'stopped' },
      want: ['4 vCPU · 8192 MiB · kvm (kvm-a)', 'IP 10.0.0.5', 'root 60 GiB performance', 'power stopped'] },
    { reason: "a network's segment and CIDR", type: 'network', attributes: { cidr: '10.0.0.0/24', gateway: '10.0.0.1', segment: { type: 'vxlan', id: 5001 }, sourceNatIp: null, colocationHandoff: null },
      want: ['VXLAN 5001', '10.0.0.0/24 gw 10.0.0.1'] },
    { reason: "a port forward's ports, named by VM", type: 'port-forward', attributes: { protocol: 'tcp', address: '203.0.113.5', publicPort: 443, vm: 't/vm/mail', vmIp: '10.0.0.7', privatePort: 8443 },
      want: ['tcp 203.0.113.5:443 → mail 10.0.0.7:8443'] },
  ])('$reason', ({ type, attributes, want }) => {
    expect(keyFacts(type, attributes)).toEqual(want);
  });
});

describe('the topology as text', () => {
  it('lists each network with what sits on it, each public IP with where it leads, and the rest', () => {
    const topology: Topology = {
      tenant: 't',
      nodes: [
        { id: 't/network/office', kind: 'network', label: ['office', 'VLAN 100', '10.0.0.0/24 gw 10.0.0.1'], status: 'existing' },
        { id: 't/vm/web', kind: 'vm', label: ['web', '10.0.0.5', 'kvm · 2 vCPU · 4096 MiB'], status: 'existing' },
        { id: 't/vm/web/disk/data', kind: 'disk', label: ['data', '100 GiB standard'], status: 'added' },
        { id: 't/public-ip/www', kind: 'public-ip', label: ['www', '203.0.113.5', 'pool a', 'allow tcp 443 from 0.0.0.0/0'], status: 'existing' },
        { id: 't/vpn-user/<b>x</b>', kind: 'vpn-user', label: ['<b>x</b>', 'remote-access user'], status: 'existing' },
      ],
      edges: [
        { from: 't/network/office', to: 't/vm/web', kind: 'nic', label: '10.0.0.5', status: 'existing' },
        { from: 't/vm/web', to: 't/vm/web/disk/data', kind: 'disk', status: 'added' },
        { from: 't/public-ip/www', to: 't/vm/web', kind: 'static-nat', label: 'static NAT → 10.0.0.5', status: 'existing' },
      ],
    };
    const html = renderToString(h(TopologyOutline, { topology }));
    const text = html.replace(/<[^>]+>/g, '|').replace(/\|+/g, '|');
    expect(text).toContain('network |office| — VLAN 100; 10.0.0.0/24 gw 10.0.0.1|at 10.0.0.5: vm |web| — 10.0.0.5; kvm · 2 vCPU · 4096 MiB|disk |data| (added by the pending plan) — 100 GiB standard|');
    expect(text).toContain('public-ip |www| — 203.0.113.5; pool a; allow tcp 443 from 0.0.0.0/0|static NAT → 10.0.0.5 — vm |web| (listed above)|');
    expect(html).toContain('vpn-user <strong>&lt;b>x&lt;/b></strong>');
  });
});
