/** `graph --topology`: what a tenant is, drawn from state and the plan, within the partner's scope. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { sandbox, type Sandbox } from './harness.js';

describe('netfirst graph --topology', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox('iswest');
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
  });
  afterAll(() => sb.remove());

  const VMS = ['pms-1', 'imaging-1', 'backup-1'];

  it('draws an applied tenant as well-formed SVG with its VMs and VLAN id, once nothing is pending', () => {
    const r = sb.run('graph', 'iswest', '--topology', '--tenant', 'acme-dental', '--format', 'svg');
    expect(r.code, r.stderr).toBe(0);
    expect(XMLValidator.validate(r.stdout)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(r.stdout) as { svg: { '@_aria-label': string } };
    expect(doc.svg['@_aria-label']).toContain('acme-dental');
    for (const vm of VMS) expect(r.stdout).toContain(`>${vm}<`);
    expect(r.stdout).toContain('VLAN 100');
    expect(r.stdout).not.toContain('baker-law');
  });

  it.each(['mermaid', 'dot'])('draws the same tenant as %s', (format) => {
    const r = sb.run('graph', 'iswest', '--topology', '--tenant', 'acme-dental', '--format', format);
    expect(r.code, r.stderr).toBe(0);
    for (const vm of VMS) expect(r.stdout).toContain(vm);
    expect(r.stdout).toContain('VLAN 100');
  });

  it('without --tenant draws every tenant, one section each', () => {
    const r = sb.run('graph', 'iswest', '--topology', '--format', 'mermaid');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('tenant acme-dental');
    expect(r.stdout).toContain('tenant baker-law');
  });

  it('marks a VM added to the spec as planned +', () => {
    sb.edit('iswest/acme-dental.yaml', '  vms:\n', [
      '  vms:',
      '    - name: xray-2',
      '      hypervisor: kvm',
      '      cpu: 2',
      '      memory: 4GiB',
      '      template: debian-12',
      '      nics: [ { network: office, ip: auto } ]',
      '      rootDisk: { size: 20GiB, tier: standard }',
      '',
    ].join('\n'));
    const svg = sb.run('graph', 'iswest', '--topology', '--tenant', 'acme-dental', '--format', 'svg');
    expect(svg.code, svg.stderr).toBe(0);
    expect(XMLValidator.validate(svg.stdout)).toBe(true);
    expect(svg.stdout).toContain('>+ xray-2<');
    expect(svg.stdout).toContain('class="node vm added"');
    const dot = sb.run('graph', 'iswest', '--topology', '--tenant', 'acme-dental', '--format', 'dot');
    expect(dot.stdout).toContain('"+ xray-2\\n');
  });

  it("refuses another partner's tenant without drawing any of it", () => {
    const r = sb.run('graph', 'iswest', '--topology', '--partner', 'lexcore', '--tenant', 'acme-dental', '--format', 'svg');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    for (const vm of VMS) expect(r.stderr).not.toContain(vm);
    expect(r.stderr).toContain('does not manage tenant acme-dental');
  });

  it('refuses a tenant nobody defined', () => {
    const r = sb.run('graph', 'iswest', '--topology', '--tenant', 'nobody');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no tenant nobody');
  });

  it("a partner without --tenant sees only its own tenants", () => {
    const r = sb.run('graph', 'iswest', '--topology', '--partner', 'lexcore', '--format', 'mermaid');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('acme-dental');
  });
});
