/**
 * Generated tenant specs for load benchmarks and cache tests: realistic shapes, about
 * fifty resources each (networks, public IPs with NAT and port forwards, firewall
 * rules, a VPN, VMs with disks).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A Tenant document of about fifty resources; `i` varies names, CIDRs and VLANs. */
export function tenantYaml(i: number): string {
  const name = `tenant-${String(i).padStart(4, '0')}`;
  const lines = [
    'apiVersion: netfirst/v1',
    'kind: Tenant',
    `metadata: { name: ${name}, partner: westside-it }`,
    'spec:',
    '  zone: agoura-1',
    '  networks:',
  ];
  for (let n = 0; n < 4; n++) {
    lines.push(`    - name: net-${n}`, `      cidr: 10.${i % 250}.${n * 16}.0/20`, `      segment: { vlan: auto }`);
    if (n === 0) lines.push('      sourceNat: egress');
  }
  lines.push('  publicIps:', '    - { name: egress }');
  for (let p = 0; p < 5; p++) lines.push(`    - { name: web-${p}, staticNat: { vm: vm-${p} } }`);
  lines.push('    - name: mail', '      portForwards: [ { protocol: tcp, port: 25, vm: vm-6 }, { protocol: tcp, port: 587, vm: vm-6 } ]');
  lines.push('  firewall:');
  for (let p = 0; p < 5; p++) lines.push(`    - { publicIp: web-${p}, protocol: tcp, ports: [80, 443], from: [0.0.0.0/0] }`);
  lines.push(
    '  vpn:',
    '    siteToSite:',
    '      - name: hq',
    `        peer: 198.51.100.${(i % 250) + 1}`,
    '        peerCidrs: [192.168.1.0/24]',
    '        localNetworks: [net-0, net-1]',
    '        ike: { encryption: aes256, hash: sha256, dhGroup: 14, lifetime: 8h }',
    '        esp: { encryption: aes256, hash: sha256, pfsGroup: 14, lifetime: 1h }',
    '        preSharedKey: { env: HQ_PSK }',
    '    remoteAccess:',
    '      users: [ { name: alice, password: { env: ALICE_PW } }, { name: bob, password: { env: BOB_PW } } ]',
    '  vms:',
  );
  for (let v = 0; v < 14; v++) {
    lines.push(
      `    - name: vm-${v}`,
      `      hypervisor: ${['kvm', 'xenserver', 'vmware'][v % 3]}`,
      '      cpu: 2',
      '      memory: 4GiB',
      '      template: ubuntu-24.04',
      `      nics: [ { network: net-${v % 4}, ip: auto } ]`,
      '      rootDisk: { size: 40GiB, tier: performance }',
      '      disks: [ { name: data, size: 500GiB, tier: capacity } ]',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Writes `count` tenant files into `dir` and returns their paths. */
export function writeTenantFiles(dir: string, count: number): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = join(dir, `tenant-${String(i).padStart(4, '0')}.yaml`);
    writeFileSync(file, tenantYaml(i));
    files.push(file);
  }
  return files;
}
