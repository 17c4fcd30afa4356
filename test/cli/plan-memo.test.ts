/**
 * The plan memo (engine/run/plan-memo.ts): a plain `plan` reuses the answer of tenants
 * whose every input is that of a plan that found them settled, and says exactly what a
 * full plan says. Each input it is keyed by — the tenant's spec, its zone, the Partners
 * document, a secret's value, the tenant's records in state, the state itself — is
 * changed here in turn, and the plan must see the change; a tampered or foreign memo is
 * never believed.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Sandbox } from './harness.js';

const DEBUG = { NETFIRST_DEBUG: '1' };
const memoLine = (stderr: string): string => /plan memo: .*/.exec(stderr)?.[0] ?? '(no memo line)';

describe('the plan memo', () => {
  let sb: Sandbox;
  /** `plan iswest` with the memo, and the same plan made in full: the text must be the same. */
  const plan = (...extra: string[]): { code: number; stdout: string; memo: string } => {
    const withMemo = sb.run('plan', 'iswest', '--refresh=false', '--detailed-exitcode', ...extra);
    const full = sandboxRun(sb, { NETFIRST_PLAN_MEMO: 'off' }, 'plan', 'iswest', '--refresh=false', '--detailed-exitcode', ...extra);
    expect(withMemo.stdout).toBe(full.stdout);
    expect(withMemo.code).toBe(full.code);
    return { code: withMemo.code, stdout: withMemo.stdout, memo: memoLine(withMemo.stderr) };
  };

  beforeAll(() => {
    sb = sandbox('iswest', DEBUG);
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
  });
  afterAll(() => sb.remove());

  it('learns from a full plan, then reuses every settled tenant', () => {
    const first = plan();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('No changes.');
    const second = plan();
    expect(second.memo).toBe('plan memo: 3 tenants reused, 0 planned');
    expect(second.code).toBe(0);
  });

  it('plans again a tenant whose spec changed, and only it', () => {
    sb.edit('iswest/acme-dental.yaml', /cpu: 2\b/, 'cpu: 3');
    const changed = plan();
    expect(changed.code).toBe(2);
    expect(changed.memo).toBe('plan memo: 2 tenants reused, 1 planned');
    expect(changed.stdout).toMatch(/~ cpu += 2 -> 3/);
    // A tenant with a pending change is never held settled: asked again, it is planned again.
    expect(plan().memo).toBe('plan memo: 2 tenants reused, 1 planned');
    sb.edit('iswest/acme-dental.yaml', /cpu: 3\b/, 'cpu: 2');
    expect(plan().code).toBe(0);
  });

  it('plans everything again when the zone or the Partners document changes', () => {
    sb.write('iswest/zone.yaml', `${sb.read('iswest/zone.yaml')}\n# a comment changes the file\n`);
    expect(plan().memo).toBe('plan memo: 0 tenants reused, 3 planned');
    expect(plan().memo).toBe('plan memo: 3 tenants reused, 0 planned');
    sb.write('iswest/partners.yaml', `${sb.read('iswest/partners.yaml')}\n# and so does this\n`);
    expect(plan().memo).toBe('plan memo: 0 tenants reused, 3 planned');
  });

  it('sees a secret whose value changed, though no spec did', () => {
    plan();
    const psk = join(sb.dir, 'iswest', 'secrets', 'westside-it', 'acme-hq-psk');
    const before = readFileSync(psk, 'utf8');
    writeFileSync(psk, `${before.trim()}-rotated\n`);
    const rotated = plan();
    expect(rotated.code).toBe(2);
    expect(rotated.memo).toBe('plan memo: 2 tenants reused, 1 planned');
    expect(rotated.stdout).toContain('acme-dental/vpn/hq');
    writeFileSync(psk, before);
    expect(plan().code).toBe(0);
  });

  it('sees records that changed in state, by any command', () => {
    expect(plan().memo).toBe('plan memo: 3 tenants reused, 0 planned');
    expect(sb.run('state', 'rm', 'cole-accounting/vm/files-1/disk/shares').code).toBe(0);
    const forgotten = plan();
    expect(forgotten.memo).toBe('plan memo: 2 tenants reused, 1 planned');
    expect(forgotten.stdout).toContain('cole-accounting/vm/files-1/disk/shares will be created');
  });

  it('never believes a memo it did not write: tampered, foreign or damaged', () => {
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    plan();
    expect(plan().memo).toBe('plan memo: 3 tenants reused, 0 planned');
    const cache = join(sb.dir, '.netfirst', 'cache');
    const file = join(cache, readdirSync(cache).find((f) => f.startsWith('plan-memo-'))!);
    const memo = JSON.parse(readFileSync(file, 'utf8')) as { tenants: Record<string, { key: string }> };

    // A tenant with a pending change, and a memo edited to call it settled under another tenant's key.
    sb.edit('iswest/baker-law.yaml', /cpu: 2\b/, 'cpu: 6');
    memo.tenants['baker-law']!.key = memo.tenants['acme-dental']!.key;
    writeFileSync(file, JSON.stringify(memo));
    const tampered = plan();
    expect(tampered.code).toBe(2);
    expect(tampered.stdout).toMatch(/~ cpu += 2 -> 6/);

    // Another state's memo (keys made with another secret key) for the same specs.
    const other = sandbox('iswest', DEBUG);
    try {
      expect(other.run('apply', 'iswest', '--auto-approve').code).toBe(0);
      other.edit('iswest/baker-law.yaml', /cpu: 2\b/, 'cpu: 6');
      other.run('plan', 'iswest', '--refresh=false');
      other.edit('iswest/baker-law.yaml', /cpu: 6\b/, 'cpu: 2');
      other.run('plan', 'iswest', '--refresh=false');
      const theirs = join(other.dir, '.netfirst', 'cache', readdirSync(join(other.dir, '.netfirst', 'cache')).find((f) => f.startsWith('plan-memo-'))!);
      copyFileSync(theirs, file);
    } finally {
      other.remove();
    }
    const foreign = plan();
    expect(foreign.memo).toBe('plan memo: 0 tenants reused, 3 planned');
    expect(foreign.stdout).toMatch(/~ cpu += 2 -> 6/);

    writeFileSync(file, '{"format": "netfirst-plan-memo/1", "tenants": {"acme-dental": 7}}');
    expect(plan().code).toBe(2);
    writeFileSync(file, 'not json at all');
    expect(plan().code).toBe(2);
    sb.edit('iswest/baker-law.yaml', /cpu: 6\b/, 'cpu: 2');
  });

  it('is not used where a full plan is asked for: a refresh, JSON, a saved plan, a partner, --tenant', () => {
    plan();
    for (const args of [['--refresh'], ['--refresh=false', '--json'], ['--refresh=false', '--out', 'p.json'], ['--refresh=false', '--tenant', 'acme-dental'], ['--refresh=false', '--partner', 'westside-it']]) {
      const r = sb.run('plan', 'iswest', ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stderr).not.toContain('plan memo');
    }
  });
});

function sandboxRun(sb: Sandbox, env: Record<string, string>, ...args: string[]): { code: number; stdout: string; stderr: string } {
  // The harness's run with extra environment: the same binary, directory and settings.
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return sb.run(...args);
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
  }
}
