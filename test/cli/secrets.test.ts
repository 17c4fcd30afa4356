/**
 * Secrets never land anywhere: the examples are applied with known pre-shared keys and
 * passwords, then every byte netfirst wrote or printed is searched for them.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sandbox } from './harness.js';

const KNOWN = {
  'acme-hq-psk': 'Psk-Known-7f3a9c1e',
  'acme-dr-lee-password': 'Pw-DrLee-5b2d8e40',
  'cole-carol-password': 'Pw-Carol-91c4aa07',
  'cole-dan-password': 'Pw-Dan-2e6f13b9',
  'cole-erin-password': 'Pw-Erin-c8d07f52',
};

/** Every file under dir (recursively), as bytes. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push({ path, bytes: readFileSync(path) });
  }
  return out;
}

describe('secrets', () => {
  const sb = sandbox('iswest', { ACME_UNUSED: 'x' });
  afterAll(() => sb.remove());

  it('are resolved at apply time and appear in no state, plan, JSON output or log', () => {
    for (const [name, value] of Object.entries(KNOWN)) writeFileSync(join(sb.dir, 'iswest', 'secrets', name), `${value}\n`);
    const outputs = [
      sb.run('plan', 'iswest'),
      sb.run('plan', 'iswest', '--json'),
      sb.run('plan', 'iswest', '--out', 'saved.json'),
      sb.run('apply', 'saved.json'),
      sb.run('state', 'list', '--json'),
      sb.run('state', 'show', 'acme-dental/vpn/hq', '--json'),
      sb.run('state', 'show', 'cole-accounting/vpn-user/carol'),
      sb.run('zone', 'inventory', 'iswest-1', 'iswest', '--json'),
      // A changed key is detected (digest) and applied, still without showing it.
      (writeFileSync(join(sb.dir, 'iswest', 'secrets', 'acme-hq-psk'), 'Psk-Rotated-0d9e8b77\n'), sb.run('plan', 'iswest')),
      sb.run('apply', 'iswest', '--auto-approve'),
    ];
    expect(outputs[3]!.code).toBe(0);
    expect(outputs[8]!.stdout).toContain('preSharedKey = (sensitive) # value changed');
    const written = filesUnder(join(sb.dir, '.netfirst')).concat(filesUnder(sb.dir).filter((f) => f.path.endsWith('saved.json')));
    expect(written.some((f) => f.path.endsWith('state.db'))).toBe(true);
    const values = [...Object.values(KNOWN), 'Psk-Rotated-0d9e8b77'];
    const hits: string[] = [];
    for (const value of values) {
      for (const f of written) if (f.bytes.includes(value)) hits.push(`${value} in ${f.path}`);
      outputs.forEach((o, i) => { if (o.stdout.includes(value) || o.stderr.includes(value)) hits.push(`${value} in output ${i}`); });
    }
    console.log(`secrets test: ${values.length} secret values searched in ${written.length} files (${written.map((f) => f.path.split("/").pop()).join(", ")}) and ${outputs.length} command outputs: ${hits.length} hits`);
    expect(hits).toEqual([]);
  });
});
