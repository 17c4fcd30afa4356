/**
 * `netfirst fmt` (issue 22, item 3): every example and every spec fixture under test/
 * rewritten in the canonical layout means exactly what it meant — the same spec model,
 * the same diagnostics, the same desired resources — keeps every comment, and a second
 * fmt changes nothing. Spawned as users run it: --check lists and exits 3 writing
 * nothing, --diff prints a unified diff, a file that does not parse is named with its
 * line and left untouched (exit 1), the mode is kept, an applied example still plans
 * "No changes." after fmt, and a symbolic link pointing outside the paths given is
 * never written through.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, visit } from 'yaml';
import { formatSpecText } from '../../specs/format.js';
import { loadSpecs } from '../../specs/load.js';
import { buildDesired } from '../../engine/plan/desired.js';
import { secretDigester, secretScope } from '../../engine/run/secrets.js';
import { REPO, sandbox, type Sandbox } from './harness.js';

/** Every directory of spec files the repository ships: the examples and the test fixtures. */
function specDirectories(): string[] {
  const dirs = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(full);
      else if (/\.ya?ml$/.test(entry.name)) dirs.add(dir);
    }
  };
  walk(join(REPO, 'examples'));
  walk(join(REPO, 'test'));
  return [...dirs].sort();
}

/** Every comment of a file, one entry per comment line, trimmed. */
function commentsOf(text: string): string[] {
  const out: string[] = [];
  const add = (c: string | null | undefined): void => {
    if (c) for (const line of c.split('\n')) if (line.trim() !== '') out.push(line.trim());
  };
  for (const document of parseAllDocuments(text)) {
    add(document.commentBefore);
    add(document.comment);
    visit(document, (_key, node) => {
      if (node && typeof node === 'object' && 'commentBefore' in node) {
        add((node as { commentBefore?: string | null }).commentBefore);
        add((node as { comment?: string | null }).comment);
      }
    });
  }
  return out.sort();
}

/** What the loader and the planner make of a directory, without positions (formatting moves lines). */
function meaningOf(dir: string): unknown {
  const specs = loadSpecs([dir], { parallel: false });
  const values = <T extends { file: string; value: unknown }>(m: Iterable<T>) => [...m].map((l) => [relative(dir, l.file), l.value]);
  // A summary may name another place (`already defined at FILE:LINE:COL`): lines move.
  const diagnostics = specs.diagnostics.map((d) => `${d.file ? relative(dir, d.file) : ''}: ${d.severity}: ${d.summary.replace(/:\d+:\d+/g, '')}`).sort();
  let desired: unknown;
  if (!diagnostics.some((d) => d.includes(': error: '))) {
    const built = buildDesired({ specs, recorded: new Map(), digestSecret: secretDigester(Buffer.alloc(32, 7), secretScope(specs)) });
    desired = { resources: built.resources, diagnostics: built.diagnostics.map((d) => `${d.severity}: ${d.summary}`).sort() };
  }
  return { zones: values(specs.zones.values()), tenants: values(specs.tenants.values()), partners: values(specs.partners), diagnostics, desired };
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f)).sort();
}

/** Fixtures fmt leaves as they are, and why: YAML errors, and hostile files the loader refuses too. */
const LEFT_AS_THEY_ARE = [
  'test/fixtures/specs-invalid/syntax.yaml', // a YAML error
  'test/fixtures/specs-duplicate/.git-like/ignored.yaml', // a YAML error
  'test/fixtures/hostile-specs/alias-bomb.yaml', // too many aliases
  'test/fixtures/hostile-specs/deep-flow.yaml', // nested too deeply
  'test/fixtures/hostile-specs/deep-flow-maps.yaml', // nested too deeply
  'test/fixtures/hostile-specs/deep-block.yaml', // two-space indentation would take it past the loader's bound
];

describe('fmt keeps the meaning of every example and spec fixture', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'netfirst-fmt-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each(specDirectories().map((dir) => ({ dir: relative(REPO, dir) })))('$dir', ({ dir }) => {
    const copy = join(scratch, dir);
    mkdirSync(copy, { recursive: true });
    cpSync(join(REPO, dir), copy, { recursive: true });
    const before = meaningOf(copy);
    for (const file of yamlFiles(copy)) {
      const path = join(copy, file);
      const text = readFileSync(path, 'utf8');
      const result = formatSpecText(text);
      if (!result.ok) {
        expect(LEFT_AS_THEY_ARE, `${dir}/${file}: ${result.problem.summary}`).toContain(`${dir}/${file}`);
        continue;
      }
      const again = formatSpecText(result.text);
      expect(again.ok && again.text, `${file}: a second fmt changes nothing`).toBe(result.text);
      expect(commentsOf(result.text), `${file}: comments kept`).toEqual(commentsOf(text));
      expect(result.text, `${file}: no trailing whitespace, one newline at the end`).not.toMatch(/[ \t]$|[ \t]\n|\n\n$/);
      writeFileSync(path, result.text);
    }
    expect(meaningOf(copy)).toEqual(before);
  });
});

describe('the canonical layout', () => {
  it.each([
    {
      reason: "the document's keys and its metadata's follow the schema; below, the writer's order, flow style and quotes are kept",
      given: 'kind: Tenant\napiVersion: netfirst/v1\nspec:\n  vms: [ {cpu: 2, previously: old, name: "web-1", extra: 1} ]\n  zone: "z"\nmetadata: { labels: { id: "007" }, name: a }\n',
      want: 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: a, labels: { id: "007" } }\nspec:\n  vms: [ { cpu: 2, previously: old, name: "web-1", extra: 1 } ]\n  zone: "z"\n',
    },
    {
      reason: 'block sequences stay block, a flow one spread over lines becomes block; `---` kept between documents, an empty one keeps its comment',
      given: 'kind: Zone\nspec:\n  segments:\n    vlans:\n      - "100-199"\n      - 7\n    vxlans: [1,2,\n      3]\n---\n# nothing here\n---\nkind: Tenant   \n',
      want: 'kind: Zone\nspec:\n  segments:\n    vlans:\n      - "100-199"\n      - 7\n    vxlans:\n      - 1\n      - 2\n      - 3\n---\n# nothing here\n---\nkind: Tenant\n',
    },
    {
      reason: "the file's header comment stays on top, comments stay with their keys, lined-up trailing comments stay lined up",
      given: '# header\nkind: Tenant\napiVersion: netfirst/v1\nspec:\n  # the VMs\n  vms: []\n\n  # the zone\n  zone: z   # trailing\n',
      want: '# header\napiVersion: netfirst/v1\nkind: Tenant\nspec:\n  # the VMs\n  vms: []\n\n  # the zone\n  zone: z   # trailing\n',
    },
    {
      reason: 'indentation becomes 2 spaces with sequences indented, one space inside flow brackets; a comment keeps its column',
      given: 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: {name: a}\nspec:\n   zone: z\n   networks:\n   -   name: lan     # the office\n       segment: {vlan: auto}\n',
      want: 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: a }\nspec:\n  zone: z\n  networks:\n    - name: lan      # the office\n      segment: { vlan: auto }\n',
    },
    { reason: 'an empty file is left as it is', given: '\n\n', want: '\n\n' },
  ])('$reason', ({ given, want }) => {
    const result = formatSpecText(given);
    expect(result.ok && result.text).toBe(want);
    expect(formatSpecText(want)).toEqual({ ok: true, text: want, changed: false });
  });

  it('leaves YAML that is not a netfirst document exactly as it is (a CI pipeline beside the specs)', () => {
    for (const text of ['zeta: 1\nalpha: { b: 2, a: 1 }\n\n\n', 'apiVersion: capsule.clastix.io/v1beta2\nkind: Tenant\nspec:    {}\n']) {
      expect(formatSpecText(text)).toEqual({ ok: true, text, changed: false });
    }
  });

  it('refuses what it cannot format without changing the meaning, saying where', () => {
    expect(formatSpecText('a: [1, 2\nb: 3\n')).toMatchObject({ ok: false, problem: { line: expect.any(Number) } });
    // Sorting keys would put the alias before its anchor.
    expect(formatSpecText('kind: Tenant\nspec: *x\nmetadata: &x { name: a }\n')).toMatchObject({ ok: false });
  });
});

describe('netfirst fmt', () => {
  let sb: Sandbox;
  let outside: string;
  const FILES = ['acme-dental.yaml', 'baker-law.yaml', 'cole-accounting.yaml', 'partners.yaml', 'zone.yaml'];
  /** The example as someone might have typed it: no space inside flow braces (the examples themselves are canonical). */
  const original = (file: string): string => readFileSync(join(REPO, 'examples', 'iswest', file), 'utf8').replaceAll('{ ', '{').replaceAll(' }', '}');
  beforeAll(() => {
    sb = sandbox('iswest', { NETFIRST_PARTNER: '' });
    for (const f of FILES) sb.write(join('iswest', f), original(f));
    outside = mkdtempSync(join(tmpdir(), 'netfirst-fmt-outside-'));
  });
  afterAll(() => {
    sb.remove();
    rmSync(outside, { recursive: true, force: true });
  });

  it('--check writes nothing, lists the files not in the canonical layout and exits 3', () => {
    const r = sb.run('fmt', '--check', 'iswest');
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout.trim().split('\n')).toEqual(['iswest/acme-dental.yaml', 'iswest/baker-law.yaml', 'iswest/cole-accounting.yaml', 'iswest/partners.yaml', 'iswest/zone.yaml']);
    expect(r.stderr).toContain('5 files are not in the canonical layout');
    expect(sb.read('iswest/acme-dental.yaml')).toBe(original('acme-dental.yaml'));
  });

  it('--check --json says the same for machines', () => {
    const r = sb.run('fmt', '--check', '--json', 'iswest');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ check: true, changed: expect.arrayContaining(['iswest/zone.yaml']), problems: [] });
  });

  it('--diff prints a unified diff', () => {
    const r = sb.run('fmt', '--check', '--diff', 'iswest/zone.yaml');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('--- iswest/zone.yaml\n+++ iswest/zone.yaml\n@@ ');
    expect(r.stdout).toContain('-  provider: {type: sim, latency: 5ms}\n+  provider: { type: sim, latency: 5ms }\n');
  });

  it('an example applied from the original plans "No changes." after fmt, keeps comments and mode; a second fmt changes nothing', () => {
    expect(sb.run('apply', '--auto-approve', 'iswest').code).toBe(0);
    chmodSync(join(sb.dir, 'iswest', 'partners.yaml'), 0o640);
    const r = sb.run('fmt', 'iswest');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(5);
    expect(sb.read('iswest/acme-dental.yaml')).toBe(readFileSync(join(REPO, 'examples', 'iswest', 'acme-dental.yaml'), 'utf8'));
    expect(statSync(join(sb.dir, 'iswest', 'partners.yaml')).mode & 0o777).toBe(0o640);
    const plan = sb.run('plan', 'iswest');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('No changes.');
    const before = yamlFiles(join(sb.dir, 'iswest')).map((f) => sb.read(join('iswest', f)));
    const again = sb.run('fmt', 'iswest');
    expect(again).toMatchObject({ code: 0, stdout: '' });
    expect(yamlFiles(join(sb.dir, 'iswest')).map((f) => sb.read(join('iswest', f)))).toEqual(before);
    expect(sb.run('fmt', '--check', 'iswest').code).toBe(0);
  });

  it('names a file that does not parse with its line, leaves it untouched, formats the others and exits 1', () => {
    mkdirSync(join(sb.dir, 'broken'));
    const bad = 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: x\nspec: {}\n';
    sb.write('broken/bad.yaml', bad);
    sb.write('broken/good.yaml', 'kind: Tenant\napiVersion: netfirst/v1\n');
    const r = sb.run('fmt', 'broken');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^broken\/bad\.yaml:\d+:\d+: error: YAML error/m);
    expect(sb.read('broken/bad.yaml')).toBe(bad);
    expect(sb.read('broken/good.yaml')).toBe('apiVersion: netfirst/v1\nkind: Tenant\n');
  });

  it('never writes through a symbolic link pointing outside the paths given (a hostile spec repository)', () => {
    const victim = join(outside, 'passwd.yaml');
    const victimDir = join(outside, 'dir');
    const text = 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: {name: victim}\n';
    writeFileSync(victim, text);
    mkdirSync(victimDir);
    writeFileSync(join(victimDir, 'z.yaml'), text);
    mkdirSync(join(sb.dir, 'hostile'));
    sb.write('hostile/ok.yaml', 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: {name: ok}\n');
    symlinkSync(victim, join(sb.dir, 'hostile', 'link.yaml'));
    symlinkSync(victimDir, join(sb.dir, 'hostile', 'linked-dir'));
    symlinkSync('ok.yaml', join(sb.dir, 'hostile', 'inside.yaml'));
    for (const args of [['hostile'], ['hostile/link.yaml'], ['hostile/ok.yaml', 'hostile/link.yaml']]) {
      const r = sb.run('fmt', ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(`hostile/link.yaml: error: is a symbolic link to ${victim}, outside the paths given: not formatted`);
    }
    expect(readFileSync(victim, 'utf8')).toBe(text);
    expect(readFileSync(join(victimDir, 'z.yaml'), 'utf8')).toBe(text);
    // A link inside the paths given is formatted where it points, and stays a link.
    expect(sb.read('hostile/ok.yaml')).toBe('apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: ok }\n');
    expect(readdirSync(join(sb.dir, 'hostile')).sort()).toEqual(['inside.yaml', 'link.yaml', 'linked-dir', 'ok.yaml']);
  });
});
