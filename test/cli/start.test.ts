/**
 * bin/netfirst.js runs the build (dist/) only while it is a build of the sources as
 * they are: an edited source runs through tsx at once, never an old build. Each case
 * works on a copy of the package (its own dist/), so the repository's build is untouched.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../scripts/build.js';
import { REPO } from './harness.js';

let copy: string;

const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(copy, 'bin', 'netfirst.js'), ...args], {
    cwd: copy,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', NETFIRST_DEBUG: '1', NETFIRST_STATE: '', NETFIRST_SERVER: '', NETFIRST_FROM_SOURCE: '' },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};
const FROM_SOURCE = 'netfirst: running the sources through tsx';

/** Marks the compiled main, so a run shows which one started. */
function markBuild(): void {
  const main = join(copy, 'dist', 'engine', 'cli', 'main.js');
  writeFileSync(main, `process.stderr.write('ran the build\\n');\n${readFileSync(main, 'utf8')}`);
}

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'netfirst-start-'));
  for (const part of ['bin', 'scripts', 'engine', 'providers', 'specs', 'state', 'examples', 'package.json', 'tsconfig.json']) {
    cpSync(join(REPO, part), join(copy, part), { recursive: true, preserveTimestamps: true });
  }
  symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'));
  await build(copy);
}, 120_000);
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('bin/netfirst.js', () => {
  it('runs the build while no source changed since it', () => {
    markBuild();
    const r = run('validate', 'examples/iswest');
    expect(r.stderr).toContain('ran the build');
    expect(r.stderr).not.toContain(FROM_SOURCE);
    expect(r.stdout).toContain('the configuration is valid');
    expect(r.code).toBe(0);
  });

  it('runs the sources through tsx once one is edited, and says which (NETFIRST_DEBUG)', () => {
    const errors = join(copy, 'engine', 'cli', 'errors.ts');
    writeFileSync(errors, `${readFileSync(errors, 'utf8')}\nprocess.stderr.write('ran the edited source\\n');\n`);
    const r = run('--version');
    expect(r.stderr).toContain(`${FROM_SOURCE} (engine/cli/errors.ts changed since the build)`);
    expect(r.stderr).toContain('ran the edited source');
    expect(r.stderr).not.toContain('ran the build');
    expect(r.code).toBe(0);
  });

  it('runs the build again once it is rebuilt, with the edit in it', async () => {
    await build(copy);
    markBuild();
    const r = run('--version');
    expect(r.stderr).toContain('ran the build');
    expect(r.stderr).toContain('ran the edited source');
    expect(r.stderr).not.toContain(FROM_SOURCE);
  });

  it.each([
    { reason: 'a save that changes only the mtime (an older copy restored, a checkout)', file: 'specs/load.ts' },
    { reason: 'a file the build copies (console assets are read beside the modules)', file: 'engine/serve/console/assets/console.css' },
  ])('counts $reason as a change', async ({ file }) => {
    await build(copy);
    utimesSync(join(copy, file), new Date(), new Date(Date.parse('2020-01-01')));
    expect(run('--version').stderr).toContain(`${FROM_SOURCE} (${file} changed since the build)`);
  });

  it('runs the sources when nothing was built', () => {
    rmSync(join(copy, 'dist'), { recursive: true, force: true });
    const r = run('--version');
    expect(r.stderr).toContain(`${FROM_SOURCE} (dist/ is not built)`);
    expect(r.code).toBe(0);
  });
});

describe('the build', () => {
  it('starts the compiled load worker: every batch is loaded on a worker thread', async () => {
    await build(copy);
    const script = join(copy, 'parallel.mjs');
    writeFileSync(script, [
      `const { loadTextsInParallel } = await import(${JSON.stringify(join(copy, 'dist', 'specs', 'load-parallel.js'))});`,
      "const text = (i) => `apiVersion: netfirst/v1\\nkind: Tenant\\nmetadata:\\n  name: t-${i}\\nspec:\\n  zone: z\\n`;",
      'const out = loadTextsInParallel(Array.from({ length: 80 }, (_, i) => text(i)), 2, { mainThreadLoads: false, stallMs: 20000 });',
      "process.stdout.write(`${out.length} ${out.filter((o) => o.json !== undefined).length}`);",
    ].join('\n'));
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 });
    // A result posted by a worker carries its JSON; one loaded by the main thread does not.
    expect(r.stdout).toBe('80 80');
  });

  it('copies files with their mode and drops outputs whose source is gone', async () => {
    writeFileSync(join(copy, 'specs', 'gone.ts'), 'export const gone = 1;\n');
    await build(copy);
    expect(readFileSync(join(copy, 'dist', 'specs', 'gone.js'), 'utf8')).toContain('gone = 1');
    rmSync(join(copy, 'specs', 'gone.ts'));
    const r = await build(copy);
    expect(r.removed).toBe(2); // gone.js and its map
    expect(() => readFileSync(join(copy, 'dist', 'specs', 'gone.js'))).toThrow();
    const mode = (file: string) => statSync(file).mode & 0o777;
    expect(mode(join(copy, 'dist', 'providers', 'linux', 'vm-enter.sh'))).toBe(mode(join(copy, 'providers', 'linux', 'vm-enter.sh')));
  });
});
