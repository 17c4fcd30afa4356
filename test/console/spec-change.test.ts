/**
 * A console edit made for a caller (engine/serve/spec-change.ts), on a server started
 * in-process (startServer: its real ServeContext) over a copy of examples/iswest that is
 * a real git working copy: what a partner's form does to the repository (one commit of
 * one file, naming the token), what it refuses and leaves untouched, a VPN password that
 * never reaches the repository, plans or the audit log, concurrent edits of one file,
 * and the review-branch mode that never touches the working copy.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../engine/serve/server.js';
import type { Caller } from '../../engine/serve/caller.js';
import { changeSpec, editableSpec, type ConsoleEdit, type SpecChangeResult } from '../../engine/serve/spec-change.js';
import { HttpProblem } from '../../engine/serve/problem.js';
import { decide } from '../../engine/serve/routes/plans.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const OPERATOR: Caller = { tokenId: 'op0000000001', role: 'operator' };
const WESTSIDE: Caller = { tokenId: 'pa0000000001', role: 'partner', partner: 'westside-it' };
const LEXCORE: Caller = { tokenId: 'pa0000000002', role: 'partner', partner: 'lexcore' };
const ACME_CLIENT: Caller = { tokenId: 'te0000000001', role: 'tenant', tenant: 'acme-dental' };
const VIEWER: Caller = { tokenId: 'vi0000000001', role: 'viewer' };

const NEW_VM: ConsoleEdit = {
  kind: 'add-vm',
  vm: { name: 'web-2', hypervisor: 'kvm', cpu: 2, memory: '4GiB', template: 'ubuntu-24.04', network: 'office', rootDisk: { size: '20GiB', tier: 'standard' } },
};

interface Lab {
  readonly specs: string;
  readonly server: RunningServer;
  git(...args: string[]): string;
  read(file: string): string;
  edit(caller: Caller, edit: ConsoleEdit, tenant?: string): Promise<SpecChangeResult>;
}

// The server's own git calls see no user identity either (this test file's worker only).
const savedGitEnv = { GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM };
beforeAll(() => {
  process.env.GIT_CONFIG_GLOBAL = '/dev/null';
  process.env.GIT_CONFIG_NOSYSTEM = '1';
});
afterAll(() => {
  for (const [k, v] of Object.entries(savedGitEnv)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
});

const opened: { server: RunningServer; dir: string }[] = [];
afterEach(async () => {
  for (const { server, dir } of opened.splice(0)) {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function lab(options: { git?: boolean; reviewBranchPrefix?: string } = {}): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-edit-'));
  const specs = join(dir, 'specs');
  cpSync(join(REPO, 'examples', 'iswest'), specs, { recursive: true });
  // Git as a server's working copy usually is: no identity of its own, no global config.
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' };
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: specs, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (options.git !== false) {
    git('init', '--quiet', '--initial-branch=main');
    git('add', '.');
    git('-c', 'user.name=Operator', '-c', 'user.email=op@example.net', 'commit', '--quiet', '-m', 'specs');
  }
  const server = await startServer({
    statePath: join(dir, 'state.db'), specsDir: specs, secretsDir: join(specs, 'secrets'),
    rateLimitPerMinute: 100_000, bodyLimit: 8 * 1024 * 1024, requestTimeoutMs: 60_000,
    host: '127.0.0.1', port: 0, watch: false, log: () => undefined,
    ...(options.reviewBranchPrefix !== undefined ? { reviewBranchPrefix: options.reviewBranchPrefix } : {}),
  });
  opened.push({ server, dir });
  return {
    specs,
    server,
    git,
    read: (file) => readFileSync(join(specs, file), 'utf8'),
    async edit(caller, edit, tenant = 'acme-dental') {
      const form = editableSpec(server.ctx, caller, tenant);
      return changeSpec(server.ctx, caller, { tenant, baseSha256: form.sha256, edit });
    },
  };
}

function planned(result: SpecChangeResult): Extract<SpecChangeResult, { outcome: 'planned' }> {
  if (result.outcome !== 'planned') throw new Error(`not planned: ${JSON.stringify(result)}`);
  return result;
}

async function refusal(work: () => Promise<unknown>): Promise<HttpProblem> {
  try {
    await work();
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('a form edit of a working copy', () => {
  it('is written, committed alone to the checked-out branch naming the token, and planned', async () => {
    const l = await lab();
    const before = l.read('acme-dental.yaml');
    l.git('status', '--porcelain');
    const result = planned(await l.edit(WESTSIDE, NEW_VM));
    const after = l.read('acme-dental.yaml');
    expect(after).toContain('    - name: web-2\n      hypervisor: kvm\n');
    // Everything the form did not touch is as it was written, comments and all.
    expect(after.startsWith(before.trimEnd())).toBe(true);
    expect(result).toMatchObject({ file: 'acme-dental.yaml', approvable: true, commit: l.git('rev-parse', 'HEAD').trim() });
    expect(l.git('log', '-1', '--format=%an <%ae>%n%s%n%b').trim()).toBe([
      'netfirst console (partner token pa0000000001) <pa0000000001@tokens.netfirst.invalid>',
      'acme-dental: add VM web-2',
      'Made in the netfirst console by partner token pa0000000001 of partner westside-it.',
    ].join('\n'));
    expect(l.git('show', '--name-only', '--format=', 'HEAD').trim()).toBe('acme-dental.yaml');
    expect(l.git('status', '--porcelain').trim()).toBe('');
    const plan = l.server.ctx.store.getPlan(result.planId)!;
    expect(plan).toMatchObject({ status: 'planned', partner: 'westside-it', tenants: ['acme-dental'] });
    expect(plan.text).toContain('acme-dental/vm/web-2');
    // The server's warm specs are the edited file.
    expect(l.server.ctx.source.specs().tenants.get('acme-dental')!.value.spec.vms.map((v) => v.name)).toContain('web-2');
    const audit = l.server.ctx.store.listAudit({ limit: 10, action: 'spec.edit' });
    expect(audit).toMatchObject([{ actor: 'pa0000000001', role: 'partner', target: 'acme-dental', planId: result.planId, result: 'ok', detail: expect.stringContaining('add VM web-2 (commit ') }]);
  });

  it('a tenant token edits its own tenant: memory, power, a disk, a port forward, one after another', async () => {
    const l = await lab();
    for (const edit of [
      { kind: 'set-vm', vm: 'pms-1', memory: '12GiB' },
      { kind: 'set-power', vm: 'backup-1', power: 'stopped' },
      { kind: 'set-disk-size', vm: 'imaging-1', disk: 'images', size: '3TiB' },
      { kind: 'add-port-forward', forward: { publicIp: 'office-nat', protocol: 'tcp', publicPorts: [8443], privatePorts: [443], vm: 'pms-1' } },
    ] satisfies ConsoleEdit[]) planned(await l.edit(ACME_CLIENT, edit));
    const text = l.read('acme-dental.yaml');
    expect(text).toContain('memory: 12GiB');
    expect(text).toContain('power: stopped');
    expect(text).toContain('{ name: images, size: 3TiB, tier: capacity }');
    expect(text).toContain('portForwards: [ { protocol: tcp, port: 8443, privatePort: 443, vm: pms-1 } ]');
    expect(l.git('log', '--format=%s', '-4').trim().split('\n')).toEqual([
      'acme-dental: forward tcp 8443 of public IP office-nat to VM pms-1',
      'acme-dental: grow disk images of VM imaging-1 to 3TiB',
      'acme-dental: stop VM backup-1',
      'acme-dental: set memory 12GiB of VM pms-1',
    ]);
  });

  it('an edit with errors writes nothing and names the form fields', async () => {
    const l = await lab();
    const head = l.git('rev-parse', 'HEAD');
    const before = l.read('acme-dental.yaml');
    const badName = await l.edit(WESTSIDE, { ...NEW_VM, vm: { ...NEW_VM.vm, name: 'Web_2' } } as ConsoleEdit);
    expect(badName).toMatchObject({ outcome: 'invalid', problems: [{ field: 'name', message: expect.stringContaining('must be a DNS label') }] });
    expect(badName.outcome === 'invalid' && badName.diagnostics[0]).toMatchObject({ file: 'acme-dental.yaml', line: expect.any(Number), path: expect.stringMatching(/^spec\.vms\.3\.name$/) });
    const badTemplate = await l.edit(WESTSIDE, { ...NEW_VM, vm: { ...NEW_VM.vm, template: 'windows-server-2022' } } as ConsoleEdit);
    expect(badTemplate).toMatchObject({ outcome: 'invalid', problems: [{ field: 'template', message: expect.stringContaining('windows-server-2022') }] });
    const unknownNetwork = await l.edit(WESTSIDE, { ...NEW_VM, vm: { ...NEW_VM.vm, network: 'dmz' } } as ConsoleEdit);
    expect(unknownNetwork).toMatchObject({ outcome: 'invalid', problems: [{ field: 'network' }] });
    const huge = await l.edit(WESTSIDE, { kind: 'set-vm', vm: 'pms-1', memory: '900TiB' });
    expect(huge).toMatchObject({ outcome: 'invalid' });
    expect(huge.outcome === 'invalid' && huge.problems.length).toBeGreaterThan(0);
    const injected = await l.edit(WESTSIDE, { kind: 'set-vm', vm: 'pms-1', memory: '8GiB\n  cpu: 99' });
    expect(injected).toMatchObject({ outcome: 'invalid', problems: [{ field: 'memory', message: expect.stringContaining('line breaks') }] });
    const shrink = await l.edit(WESTSIDE, { kind: 'set-disk-size', vm: 'pms-1', disk: 'data', size: '1GiB' });
    expect(shrink).toMatchObject({ outcome: 'invalid', problems: [{ field: 'size', message: expect.stringContaining('only grows') }] });
    expect(l.read('acme-dental.yaml')).toBe(before);
    expect(l.git('rev-parse', 'HEAD')).toBe(head);
  });

  it('an edit made from an old version of the file is refused as moved', async () => {
    const l = await lab();
    const form = editableSpec(l.server.ctx, WESTSIDE, 'acme-dental');
    planned(await changeSpec(l.server.ctx, WESTSIDE, { tenant: 'acme-dental', baseSha256: form.sha256, edit: { kind: 'set-vm', vm: 'pms-1', cpu: 6 } }));
    const stale = await changeSpec(l.server.ctx, WESTSIDE, { tenant: 'acme-dental', baseSha256: form.sha256, edit: { kind: 'set-vm', vm: 'pms-1', cpu: 8 } });
    expect(stale).toMatchObject({ outcome: 'moved', message: expect.stringContaining('changed since this form was shown') });
    expect(l.read('acme-dental.yaml')).toContain('cpu: 6');
  });

  it('concurrent edits of one file are made one at a time: the second sees the first and is refused as moved', async () => {
    const l = await lab();
    const form = editableSpec(l.server.ctx, WESTSIDE, 'acme-dental');
    const results = await Promise.all([8, 12].map((cpu) => changeSpec(l.server.ctx, WESTSIDE, { tenant: 'acme-dental', baseSha256: form.sha256, edit: { kind: 'set-vm', vm: 'pms-1', cpu } })));
    expect(results.map((r) => r.outcome)).toEqual(['planned', 'moved']);
    expect(l.read('acme-dental.yaml')).toContain('cpu: 8');
    expect(l.git('log', '--format=%s', '-2').trim().split('\n')).toEqual(['acme-dental: set cpu 8 of VM pms-1', 'specs']);
  });

  it('without git, the edit is written and planned, with no commit', async () => {
    const l = await lab({ git: false });
    const result = planned(await l.edit(OPERATOR, { kind: 'set-vm', vm: 'web-1', cpu: 4 }, 'baker-law'));
    expect(result.commit).toBeUndefined();
    expect(l.read('baker-law.yaml')).toContain('      cpu: 4\n      memory: 4GiB');
    expect(existsSync(join(l.specs, '.git'))).toBe(false);
  });
});

describe('scope: a partner edits only what it owns', () => {
  it.each<{ reason: string; caller: Caller; tenant: string; kind: string; status: number }>([
    { reason: "a partner editing another partner's tenant gets not-found, as for a tenant that does not exist", caller: WESTSIDE, tenant: 'baker-law', kind: 'not-found', status: 404 },
    { reason: 'the same for a tenant that does not exist', caller: WESTSIDE, tenant: 'acme-nowhere', kind: 'not-found', status: 404 },
    { reason: "a tenant token editing another tenant (of the same partner's kind) gets not-found", caller: ACME_CLIENT, tenant: 'cole-accounting', kind: 'not-found', status: 404 },
    { reason: "lexcore cannot reach westside-it's tenant", caller: LEXCORE, tenant: 'acme-dental', kind: 'not-found', status: 404 },
    { reason: 'a viewer reads only', caller: VIEWER, tenant: 'acme-dental', kind: 'forbidden', status: 403 },
  ])('$reason', async ({ caller, tenant, kind, status }) => {
    const l = await lab();
    const before = l.read('baker-law.yaml');
    const problem = await refusal(() => changeSpec(l.server.ctx, caller, { tenant, baseSha256: 'x', edit: { kind: 'set-vm', vm: 'web-1', cpu: 2 } }));
    expect([problem.kind, problem.status]).toEqual([kind, status]);
    // The refusal says nothing of what the tenant holds.
    expect(problem.message).not.toMatch(/lexcore|westside|web-1|\.yaml/);
    expect(l.read('baker-law.yaml')).toBe(before);
    if (caller !== VIEWER) expect(() => editableSpec(l.server.ctx, caller, tenant)).toThrow(HttpProblem);
  });
});

describe('a VPN user', () => {
  const PASSWORD = 'correct-horse-battery-9';

  it("gets a reference in the spec and the password in the partner's store, and nowhere else", async () => {
    const l = await lab();
    const result = planned(await l.edit(WESTSIDE, { kind: 'add-vpn-user', name: 'nurse-kim', password: PASSWORD }));
    const text = l.read('acme-dental.yaml');
    expect(text).toContain('        - { name: nurse-kim, password: { file: secrets/westside-it/acme-dental-nurse-kim-password } }');
    const stored = join(l.specs, 'secrets', 'westside-it', 'acme-dental-nurse-kim-password');
    expect(readFileSync(stored, 'utf8')).toBe(`${PASSWORD}\n`);
    expect(statSync(stored).mode & 0o777).toBe(0o600);
    // Never in the repository, the plan, or the audit log.
    expect(l.git('show', '--name-only', '--format=', 'HEAD').trim()).toBe('acme-dental.yaml');
    expect(l.git('log', '-p', '--all')).not.toContain(PASSWORD);
    const plan = l.server.ctx.store.getPlan(result.planId)!;
    expect(plan.text).toContain('acme-dental/vpn-user/nurse-kim');
    expect(JSON.stringify(plan)).not.toContain(PASSWORD);
    expect(JSON.stringify(l.server.ctx.store.listAudit({ limit: 100 }))).not.toContain(PASSWORD);
  });

  it('a weak or multi-line password is refused on its field, and nothing is stored', async () => {
    const l = await lab();
    for (const password of ['short', 'line\nbreak-in-it', 'x'.repeat(10_000)]) {
      const result = await l.edit(WESTSIDE, { kind: 'add-vpn-user', name: 'nurse-kim', password });
      expect(result).toMatchObject({ outcome: 'invalid', problems: [{ field: 'password' }] });
    }
    expect(existsSync(join(l.specs, 'secrets', 'westside-it', 'acme-dental-nurse-kim-password'))).toBe(false);
  });

  it("is refused for a partner whose Partners entry names no secret directory, with the store left alone", async () => {
    const l = await lab();
    const result = await l.edit(LEXCORE, { kind: 'add-vpn-user', name: 'ann', password: PASSWORD }, 'baker-law');
    expect(result).toMatchObject({ outcome: 'invalid', problems: [{ field: 'password', message: expect.stringContaining('has no secret directory') }] });
    expect(existsSync(join(l.specs, 'secrets', 'lexcore'))).toBe(false);
  });

  it('a VPN user name that is no DNS label places nothing (it would be part of a file name)', async () => {
    const l = await lab();
    for (const name of ['../../../etc/x', 'Bad_Name']) {
      const result = await l.edit(WESTSIDE, { kind: 'add-vpn-user', name, password: PASSWORD });
      expect(result).toMatchObject({ outcome: 'invalid', problems: [{ field: 'name', message: expect.stringContaining('DNS label') }] });
    }
    expect(l.git('status', '--porcelain', '--untracked-files=all').trim()).toBe('');
  });

  it('an edit the plan refuses takes its stored password back', async () => {
    const l = await lab();
    // The file already has an error of its own (a VM of no CPU): no edit of it is planned.
    writeFileSync(join(l.specs, 'acme-dental.yaml'), l.read('acme-dental.yaml').replace('cpu: 4', 'cpu: 0'));
    const result = await l.edit(WESTSIDE, { kind: 'add-vpn-user', name: 'kim', password: PASSWORD });
    expect(result).toMatchObject({ outcome: 'invalid', problems: [{ field: '', message: expect.any(String) }] });
    expect(existsSync(join(l.specs, 'secrets', 'westside-it', 'acme-dental-kim-password'))).toBe(false);
  });
});

describe('with a review branch', () => {
  it('commits to a new branch without touching the working copy, and says the merge is the approval', async () => {
    const l = await lab({ reviewBranchPrefix: 'console' });
    const head = l.git('rev-parse', 'HEAD').trim();
    const before = l.read('acme-dental.yaml');
    const result = planned(await l.edit(WESTSIDE, NEW_VM));
    expect(result).toMatchObject({ approvable: false, branch: expect.stringMatching(/^console\/acme-dental-[0-9a-f]{8}$/), note: expect.stringContaining('merging it is the approval') });
    expect(l.read('acme-dental.yaml')).toBe(before);
    expect(l.git('rev-parse', 'HEAD').trim()).toBe(head);
    expect(l.git('status', '--porcelain').trim()).toBe('');
    expect(l.git('show', `${result.branch}:acme-dental.yaml`)).toContain('    - name: web-2\n');
    expect(l.git('rev-parse', `${result.branch}^`).trim()).toBe(head);
    expect(l.git('rev-parse', result.branch!).trim()).toBe(result.commit);
    expect(l.server.ctx.store.getPlan(result.planId)!.text).toContain('acme-dental/vm/web-2');
    // Its plan shows the merge; it is not approved here (it may be discarded).
    const approving = await refusal(async () => decide(l.server.ctx, WESTSIDE, result.planId, 'approved'));
    expect([approving.kind, approving.message]).toEqual(['conflict', expect.stringContaining(`merging branch ${result.branch} would do`)]);
    expect(decide(l.server.ctx, WESTSIDE, result.planId, 'discarded').status).toBe('discarded');
  });

  it('an edit with errors makes no branch', async () => {
    const l = await lab({ reviewBranchPrefix: 'console' });
    const result = await l.edit(WESTSIDE, { ...NEW_VM, vm: { ...NEW_VM.vm, name: 'Web_2' } } as ConsoleEdit);
    expect(result).toMatchObject({ outcome: 'invalid', problems: [{ field: 'name' }] });
    expect(l.git('branch', '--list', 'console/*').trim()).toBe('');
  });
});
