/**
 * The README's walk-through of `netfirst serve` runs as it is written: its shell blocks
 * (between the serve-walkthrough markers) in one bash, in a scratch directory holding a
 * copy of examples/iswest, with `npx netfirst` meaning this checkout's CLI and the port
 * moved to a free one. The server it starts is stopped by the walk-through itself
 * (SIGTERM, then `wait`: exit 0) — and killed here if it is still running.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

function walkthrough(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /<!-- serve-walkthrough:begin -->([\s\S]*?)<!-- serve-walkthrough:end -->/.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no serve walk-through');
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).join('\n');
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const haveCurl = spawnSync('curl', ['--version']).status === 0;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!haveCurl)('the README walk-through of netfirst serve', () => {
  it('runs as written: tokens, the server, a partner plans, approves and applies with curl, follows the run, is refused another partner\'s tenant, and uses the CLI in remote mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfirst-readme-serve-'));
    dirs.push(dir);
    cpSync(join(ROOT, 'examples', 'iswest'), join(dir, 'examples', 'iswest'), { recursive: true });
    const port = await freePort();
    // `npx netfirst` is this checkout's CLI: a shim that execs it, so `npx netfirst serve &` is the server's own PID.
    const shims = join(dir, '.shims');
    mkdirSync(shims);
    writeFileSync(join(shims, 'npx'), `#!/bin/sh\nif [ "$1" = netfirst ]; then shift; exec node ${JSON.stringify(join(ROOT, 'bin', 'netfirst.js'))} "$@"; fi\necho "npx $1: not in this walk-through" >&2; exit 127\n`, { mode: 0o755 });
    const script = [
      'set -euo pipefail',
      // Whatever happens, no server outlives the walk-through.
      'trap \'[ -n "${SERVER_PID:-}" ] && kill -9 "$SERVER_PID" 2>/dev/null || true\' EXIT',
      walkthrough().replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`),
      'echo WALKTHROUGH-DONE',
    ].join('\n');
    const { NETFIRST_SERVER: _s, NETFIRST_TOKEN: _t, NETFIRST_PARTNER: _p, ...env } = process.env;
    const run = spawnSync('bash', ['-c', script], {
      cwd: dir,
      env: { ...env, PATH: `${shims}:${env.PATH ?? ''}`, NETFIRST_STATE: join(dir, 'state.db'), NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    const out = run.stdout;
    expect(run.stderr, out).not.toMatch(/this is a bug in netfirst|\n\s+at /);
    expect(run.status, `${out}\n${run.stderr}`).toBe(0);
    expect(out).toContain('WALKTHROUGH-DONE');
    // The partner sees its own tenant only.
    expect(out).toContain('"name":"acme-dental"');
    expect(out).not.toContain('"name":"baker-law"');
    // The plan as the CLI prints it, the approval, the run's events, and its end.
    expect(out).toMatch(/Plan: \d+ to add, 0 to change, 0 to replace, 0 to destroy\./);
    expect(out).toContain('"status":"approved"');
    expect(out).toMatch(/event: resource\.done/);
    expect(out).toMatch(/event: run\.finished\ndata: \{[^\n]*"status":"succeeded"/);
    // Another partner's tenant: the same 404 as a tenant that does not exist.
    expect(out).toContain('"status":404,"detail":"tenant baker-law was not found"');
    // The remote CLI: nothing left to do, and the recorded resources of acme-dental only.
    expect(out).toContain('No changes.');
    expect(out).toMatch(/^acme-dental\/vm\/pms-1$/m);
    expect(out).not.toMatch(/^baker-law\//m);
  }, 150_000);
});
