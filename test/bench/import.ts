/**
 * The import bench: a 2 MB Cisco ASA configuration of one large customer — 4,000
 * VLAN subinterfaces, 240 static NATs, an inbound ACL of 4,000 rules and 16,000 lines of
 * internal ACLs — imported, drafted and validated against a zone, the way `netfirst
 * import cisco` does (before the bounds, a 2 MB slice made 15,428 networks and 50 MB
 * overflowed the stack). Called from `npm run bench` (test/bench/run.ts).
 */
import { fileURLToPath } from 'node:url';
import { validateDraft } from '../../engine/cli/commands/import.js';
import { importTenant } from '../../engine/migrate/index.js';
import { loadSpecs } from '../../specs/load.js';

type Row = (measure: string, value: string, target?: string, met?: boolean) => void;

const ZONE = fileURLToPath(new URL('../fixtures/import-zone/zone.yaml', import.meta.url));

function bigConfig(): string {
  const out = ['ASA Version 9.8(2)\nhostname fw\n!\ninterface GigabitEthernet0/0\n nameif outside\n security-level 0\n ip address 198.51.100.2 255.255.255.0\n!\n'];
  const pub = (i: number): string => `203.0.113.${10 + (i % 240)}`;
  for (let i = 0; i < 4000; i++) out.push(`interface GigabitEthernet0/1.${i + 2}\n vlan ${i + 2}\n nameif in${i + 2}\n security-level 50\n ip address 10.${i >> 8}.${i & 255}.1 255.255.255.0\n!\n`);
  for (let i = 0; i < 240; i++) out.push(`static (in${i + 2},outside) ${pub(i)} 10.${i >> 8}.${i & 255}.10 netmask 255.255.255.255\n`);
  out.push('access-group outside_in in interface outside\n');
  for (let i = 0; i < 4000; i++) out.push(`access-list outside_in extended permit tcp any host ${pub(i)} eq ${1000 + Math.floor(i / 240)}\n`);
  for (let i = 0; i < 16_000; i++) out.push(`access-list internal_${i % 50} extended permit ip 10.${(i >> 8) & 15}.${i & 255}.0 255.255.255.0 10.${(i >> 4) & 15}.0.0 255.255.0.0\n`);
  return out.join('');
}

export function benchImport(row: Row): void {
  const text = bigConfig();
  const zone = [...loadSpecs([ZONE], { parallel: false }).zones.values()][0]!;
  const t0 = performance.now();
  const out = importTenant([{ kind: 'cisco', files: [{ path: 'big.cfg', text }] }], { tenant: 'big', zone: zone.value, command: 'netfirst import cisco' });
  const errors = validateDraft(out.yaml, out.draft, zone, { tenant: 'big', zone: ZONE, state: '/nonexistent/state.db' }).filter((d) => d.severity === 'error');
  const ms = performance.now() - t0;
  if (errors.length > 0) throw new Error(`import bench: the drafted spec does not validate: ${JSON.stringify(errors.slice(0, 3))}`);
  row(`import cisco, ${(text.length / 2 ** 20).toFixed(1)} MB config (${out.draft.networks.length} networks, ${out.draft.firewall.length} rules), drafted and validated`, `${(ms / 1000).toFixed(2)} s`);
}
