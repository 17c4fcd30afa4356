/**
 * Prints, per corpus file imported alone, what the import found: the table the
 * migration issue's closing note asks for. `npx tsx test/import/corpus-summary.ts`
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importTenant, type ImportKind } from '../../engine/migrate/index.js';
import { UnsupportedFormat } from '../../engine/migrate/model.js';
import { ZoneDocument } from '../../specs/schema.js';
import { parse } from 'yaml';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const zone = ZoneDocument.parse(parse(readFileSync(fileURLToPath(new URL('../fixtures/import-zone/zone.yaml', import.meta.url)), 'utf8')));
const DIRS: Record<string, ImportKind> = { 'cisco-ios': 'cisco', 'cisco-asa': 'cisco', rvtools: 'rvtools', libvirt: 'libvirt' };

if (!existsSync(CORPUS)) throw new Error(`${CORPUS} is not there`);
console.log('| file | networks | fixed VLANs | public IPs | VPN peers | VMs | not mapped | to review |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [dir, kind] of Object.entries(DIRS)) {
  for (const name of readdirSync(join(CORPUS, dir)).sort()) {
    const text = readFileSync(join(CORPUS, dir, name), 'utf8');
    try {
      const { draft } = importTenant([{ kind, files: [{ path: name, text }] }], { tenant: 't', zone, command: 'summary' });
      const vlans = draft.networks.map((n) => n.value.segment.vlan).filter((v) => v !== 'auto');
      const row = [
        `${dir}/${name}`, draft.networks.length, vlans.length > 0 ? vlans.join(', ') : '–', draft.publicIps.length, draft.siteToSite.length, draft.vms.length,
        draft.report.filter((r) => r.kind === 'unmapped').length, draft.report.filter((r) => r.kind === 'review').length,
      ];
      console.log(`| ${row.join(' | ')} |`);
    } catch (error) {
      console.log(`| ${dir}/${name} | ${error instanceof UnsupportedFormat ? `refused: ${error.why}` : String(error)} |||||||`);
    }
  }
}
