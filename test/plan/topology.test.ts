import { describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Change } from '../../engine/plan/change.js';
import { topologyOf, topologyToDot, topologyToMermaid, topologyToSvg, type Topology } from '../../engine/topology/index.js';
import type { Attributes, DesiredResource, RecordedResource, ResourceTypeName } from '../../specs/model/resource.js';

const T = 'acme';

const recorded = (type: ResourceTypeName, address: string, attributes: Attributes, tenant = T): RecordedResource => ({
  address, type, tenant, zone: 'z', providerId: `id-${address}`, attributes, dependsOn: [], boundTo: [], protect: false, sensitive: [],
  createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z',
});
const desired = (r: RecordedResource, attributes: Attributes = r.attributes): DesiredResource => ({
  address: r.address, type: r.type, tenant: r.tenant, zone: r.zone, attributes, dependsOn: [], boundTo: [], protect: false, sensitive: [], secrets: {},
});

const office = recorded('network', `${T}/network/office`, {
  name: 'office', cidr: '10.0.0.0/24', gateway: '10.0.0.1', segment: { type: 'vlan', id: 100 }, sourceNatIp: '203.0.113.10', colocationHandoff: null,
});
const vmAttrs = (name: string, ip: string): Attributes => ({
  name, hypervisor: 'kvm', cluster: 'c1', cpu: 2, memoryMiB: 4096, template: 't', nics: [{ network: office.address, ip }], rootDisk: { sizeGiB: 20, tier: 'standard' },
});
const web = recorded('vm', `${T}/vm/web-1`, vmAttrs('web-1', '10.0.0.10'));
const data = recorded('disk', `${T}/vm/web-1/disk/data`, { name: 'data', vm: web.address, sizeGiB: 100, tier: 'performance' });
const nat = recorded('public-ip', `${T}/public-ip/nat`, { name: 'nat', address: '203.0.113.10', pool: 'pool-a' });
const forward = recorded('port-forward', `${T}/port-forward/https`, {
  publicIp: nat.address, address: '203.0.113.10', protocol: 'tcp', publicPort: 443, vm: web.address, vmIp: '10.0.0.10', privatePort: 8443,
});
const rule = recorded('firewall-rule', `${T}/firewall-rule/https`, { publicIp: nat.address, address: '203.0.113.10', protocol: 'tcp', ports: [443], from: ['0.0.0.0/0'] });
const vpn = recorded('vpn-connection', `${T}/vpn/hq`, {
  name: 'hq', peer: '192.0.2.44', peerCidrs: ['192.168.1.0/24'], localNetworks: [office.address], localCidrs: ['10.0.0.0/24'], localAddress: '203.0.113.10',
  ike: { encryption: 'aes256', hash: 'sha256', group: 14, lifetimeSeconds: 28800 }, esp: { encryption: 'aes256', hash: 'sha256', group: null, lifetimeSeconds: 3600 },
  dpd: true, preSharedKey: 'hmac-sha256:abc',
});
const user = recorded('vpn-user', `${T}/vpn-user/dr-lee`, { name: 'dr-lee', password: 'hmac-sha256:def' });
const other = recorded('network', 'other/network/lan', { ...office.attributes, name: 'lan' }, 'other');
const everything = [office, web, data, nat, forward, rule, vpn, user, other];

const node = (t: Topology, id: string) => t.nodes.find((n) => n.id === id);
const fresh = recorded('vm', `${T}/vm/web-2`, vmAttrs('web-2', '10.0.0.11'));

describe('topologyOf', () => {
  it.each<{ reason: string; changes: Change[]; want: (t: Topology) => void }>([
    {
      reason: 'with no plan, everything recorded is drawn as existing, with the facts a reader needs',
      changes: [],
      want: (t) => {
        expect(t.nodes.every((n) => n.status === 'existing')).toBe(true);
        expect(node(t, office.address)?.label).toEqual(['office', 'VLAN 100', '10.0.0.0/24 gw 10.0.0.1', 'source NAT 203.0.113.10']);
        expect(node(t, web.address)?.label).toEqual(['web-1', '10.0.0.10', 'kvm · 2 vCPU · 4096 MiB', 'root 20 GiB standard']);
        expect(node(t, data.address)?.label).toEqual(['data', '100 GiB performance']);
        expect(node(t, nat.address)?.label).toEqual(['nat', '203.0.113.10', 'pool pool-a', 'allow tcp 443 from 0.0.0.0/0']);
        expect(node(t, vpn.address)?.label).toContain('peer 192.0.2.44');
        expect(node(t, user.address)?.kind).toBe('vpn-user');
        expect(t.edges).toEqual(expect.arrayContaining([
          { from: office.address, to: web.address, kind: 'nic', label: '10.0.0.10', status: 'existing' },
          { from: web.address, to: data.address, kind: 'disk', status: 'existing' },
          { from: nat.address, to: web.address, kind: 'port-forward', label: 'tcp 443 → web-1:8443', status: 'existing' },
          { from: office.address, to: vpn.address, kind: 'vpn-local', label: 'site-to-site', status: 'existing' },
        ]));
      },
    },
    {
      reason: "another tenant's resources never appear",
      changes: [{ action: 'create', address: 'other/vm/x', type: 'vm', tenant: 'other', after: desired(recorded('vm', 'other/vm/x', vmAttrs('x', '10.0.0.9'), 'other')) }],
      want: (t) => expect(t.nodes.map((n) => n.id).filter((id) => id.startsWith('other/'))).toEqual([]),
    },
    {
      reason: 'a planned VM is added, and so is its NIC edge',
      changes: [{ action: 'create', address: fresh.address, type: 'vm', tenant: T, after: desired(fresh) }],
      want: (t) => {
        expect(node(t, fresh.address)?.status).toBe('added');
        expect(t.edges).toContainEqual({ from: office.address, to: fresh.address, kind: 'nic', label: '10.0.0.11', status: 'added' });
      },
    },
    {
      reason: 'a resource the plan deletes is still drawn, marked removed',
      changes: [{ action: 'delete', address: data.address, type: 'disk', tenant: T, before: data }],
      want: (t) => expect(node(t, data.address)?.status).toBe('removed'),
    },
    {
      reason: 'a replacement is drawn with its new attributes, marked replaced',
      changes: [{
        action: 'replace', address: web.address, type: 'vm', tenant: T, before: web, after: desired(web, { ...web.attributes, hypervisor: 'vmware' }),
        requiresReplace: ['hypervisor'], replacedWith: [], changed: ['hypervisor'],
      }],
      want: (t) => {
        expect(node(t, web.address)?.status).toBe('replaced');
        expect(node(t, web.address)?.label[2]).toMatch(/^vmware/);
      },
    },
    {
      reason: 'a planned firewall rule is marked on its public IP',
      changes: [{ action: 'create', address: `${T}/firewall-rule/ssh`, type: 'firewall-rule', tenant: T, after: desired(recorded('firewall-rule', `${T}/firewall-rule/ssh`, { ...rule.attributes, ports: [22] })) }],
      want: (t) => expect(node(t, nat.address)?.label).toContain('+ allow tcp 22 from 0.0.0.0/0'),
    },
    {
      reason: 'a rename draws the resource once, at its new address',
      changes: [{ action: 'noop', address: `${T}/vm/www-1`, type: 'vm', tenant: T, before: web, after: { ...desired(web), address: `${T}/vm/www-1` }, movedFrom: web.address }],
      want: (t) => {
        expect(node(t, web.address)).toBeUndefined();
        expect(node(t, `${T}/vm/www-1`)?.status).toBe('existing');
      },
    },
  ])('$reason', ({ changes, want }) => want(topologyOf(everything, changes, T)));
});

describe('rendering', () => {
  const hostile = recorded('vm', `${T}/vm/evil`, vmAttrs('<script>alert("x")</script>&', '10.0.0.66'));
  const t = topologyOf([...everything, hostile], [{ action: 'create', address: fresh.address, type: 'vm', tenant: T, after: desired(fresh) }], T);

  it('SVG is well-formed, accessible, has a legend, marks the planned VM, and escapes partner text', async () => {
    const svg = await topologyToSvg([t]);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
    const doc = new XMLParser({ ignoreAttributes: false }).parse(svg) as { svg: { title: { '#text': string }; desc: unknown; '@_aria-label': string } };
    expect(doc.svg.title['#text']).toBe('Topology of acme');
    expect(doc.svg.desc).toBeDefined();
    expect(doc.svg['@_aria-label']).toBe('Topology of acme');
    expect(svg).toContain('+ web-2');
    expect(svg).toContain('class="legend"');
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('DOT and Mermaid quote partner text so it cannot break out of a label', () => {
    const dot = topologyToDot([t]);
    expect(dot).toContain('"<script>alert(\\"x\\")</script>&\\n');
    expect(dot).toContain('"+ web-2\\n');
    const mermaid = topologyToMermaid([t]);
    expect(mermaid).not.toContain('<script>');
    expect(mermaid).toContain('#lt;script#gt;alert(#quot;x#quot;)#lt;/script#gt;#amp;');
    expect(mermaid).toMatch(/\["\+ web-2<br\/>.*"\]:::added/);
  });
});
