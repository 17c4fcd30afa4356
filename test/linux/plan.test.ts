/**
 * What the linux provider declares it cannot do fails at plan, before anything runs;
 * and its kernel names stay within the kernel's limits. No root needed.
 */
import { describe, expect, it } from 'vitest';
import { IF, IFNAME_MAX, vniOf, zoneNames } from '../../providers/linux/names.js';
import { baseRuleset } from '../../providers/linux/nft.js';
import { sandbox } from '../cli/harness.js';

describe('linux provider at plan time', () => {
  it('a remote-access VPN in a linux zone is refused at plan with the file, line and reason', () => {
    const sb = sandbox('linux-lab', { ACME_HQ_PSK: 'x' });
    try {
      sb.edit('linux-lab/acme.yaml', '        preSharedKey: { env: ACME_HQ_PSK }\n', '        preSharedKey: { env: ACME_HQ_PSK }\n    remoteAccess:\n      users: [ { name: dr-lee, password: { env: ACME_HQ_PSK } } ]\n');
      const r = sb.run('plan', 'linux-lab');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/linux-lab\/acme\.yaml:\d+:\d+: error: .*zone lab-1 \(provider linux\) cannot realize acme\/vpn-user\/dr-lee: remote-access VPN/);
      // The operator's plan goes on with the other tenants; acme is left out, and the run fails.
      expect(r.stderr).toContain('1 tenant skipped because of the errors above (acme)');
      expect(r.stdout).not.toMatch(/acme\//);
    } finally {
      sb.remove();
    }
  });

  it('plans the lab zone without touching the kernel', () => {
    const sb = sandbox('linux-lab', { ACME_HQ_PSK: 'x' });
    try {
      const r = sb.run('plan', 'linux-lab');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Plan: \d+ to add, 0 to change, 0 to replace, 0 to destroy\./);
    } finally {
      sb.remove();
    }
  });
});

describe('linux provider names', () => {
  it('interface names fit the kernel limit for the largest ids, and VNIs of VLAN segments stay clear of the VXLAN pool', () => {
    const longest = [
      IF.bridge({ type: 'vxlan', id: 16_777_215 }), IF.vxlan({ type: 'vxlan', id: 16_777_215 }), IF.vlan({ type: 'vlan', id: 4094 }),
      IF.hostVmPort(65_535, 7), IF.fabricRouterPort(65_535), IF.uplinkRouterPort(65_535), IF.fabricHostPort(31),
    ];
    for (const name of longest) expect(name.length).toBeLessThanOrEqual(IFNAME_MAX);
    expect(vniOf({ type: 'vlan', id: 100 })).toBe(16_000_100);
    expect(vniOf({ type: 'vxlan', id: 10_042 })).toBe(10_042);
    const names = zoneNames('lab-1', 'nf');
    expect(names.router(3)).toMatch(/^nf[0-9a-f]{4}-r3$/);
    expect(zoneNames('lab-1').base).toBe(names.base);
    expect(zoneNames('lab-2').base).not.toBe(names.base);
  });

  it('the router ruleset drops everything from the Internet that no resource admits', () => {
    const rules = baseRuleset();
    expect(rules).toContain('type filter hook forward priority filter; policy drop;');
    expect(rules).toMatch(/iifname "ext0" jump ext_input\n\s+iifname "ext0" drop/);
  });
});
