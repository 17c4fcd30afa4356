/**
 * The tenants and zones a spec file names in `metadata.name`, read leniently: a file too
 * broken to load still says what it is about, so a round can blame its errors on the
 * right tenants (RoundEnv.declaredIn).
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

export function declaredIn(file: string): { tenants: string[]; zones: string[] } {
  const tenants: string[] = [];
  const zones: string[] = [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { tenants, zones };
  }
  for (const doc of parseAllDocuments(text) as Iterable<{ get(key: string): unknown; getIn(path: string[]): unknown }>) {
    const kind = doc.get('kind');
    const name = doc.getIn(['metadata', 'name']);
    if (typeof name !== 'string') continue;
    if (kind === 'Tenant') tenants.push(name);
    else if (kind === 'Zone') zones.push(name);
  }
  return { tenants, zones };
}
