import { describe, expect, it } from 'vitest';
import { planFixture } from './fixture-plan.js';

describe('examples/iswest', () => {
  const result = planFixture('examples/iswest');

  it('loads and verifies without errors or warnings', () => {
    expect(result.loadErrors).toEqual([]);
    expect(result.messages).toEqual([]);
  });

  it('describes three tenants, 41 resources, using every resource type', () => {
    const count = (key: (r: (typeof result.resources)[number]) => string): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const r of result.resources) counts[key(r)] = (counts[key(r)] ?? 0) + 1;
      return counts;
    };
    expect(result.resources).toHaveLength(41);
    expect(count((r) => r.tenant)).toEqual({ 'acme-dental': 10, 'baker-law': 19, 'cole-accounting': 12 });
    expect(count((r) => r.type)).toEqual({
      disk: 8,
      'firewall-rule': 4,
      network: 6,
      'port-forward': 3,
      'public-ip': 5,
      'static-nat': 1,
      vm: 9,
      'vpn-connection': 1,
      'vpn-user': 4,
    });
  });

  it('plans the same thing twice, byte for byte', () => {
    expect(JSON.stringify(planFixture('examples/iswest').resources)).toBe(JSON.stringify(result.resources));
  });

  it('keeps secrets as digests and references, never values', () => {
    const vpn = result.resources.find((r) => r.address === 'acme-dental/vpn/hq')!;
    expect(vpn.attributes.preSharedKey).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(vpn.secrets.preSharedKey).toEqual({ file: 'secrets/westside-it/acme-hq-psk', baseDir: 'examples/iswest' });
    expect(JSON.stringify(result.resources)).not.toContain('demo-');
  });
});
