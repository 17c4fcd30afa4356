/**
 * Secrets through the real CLI: values never land anywhere (the examples applied with
 * known keys, every byte netfirst wrote or printed searched for them); a partner's tenant
 * reads only the variables and directories its Partners entry allows, in every run; a
 * secret file is a small regular file; digests are keyed by the state's secret key, never
 * by the lineage a plan prints, and an old state's digests migrate without a change.
 */
import { createHmac } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretResolver, secretScope } from '../../engine/run/secrets.js';
import { loadSpecs } from '../../specs/load.js';
import { REPO, sandbox, type Run, type Sandbox } from './harness.js';

const KNOWN = {
  'westside-it/acme-hq-psk': 'Psk-Known-7f3a9c1e',
  'westside-it/acme-dr-lee-password': 'Pw-DrLee-5b2d8e40',
  'ledgerline/cole-carol-password': 'Pw-Carol-91c4aa07',
  'ledgerline/cole-dan-password': 'Pw-Dan-2e6f13b9',
  'ledgerline/cole-erin-password': 'Pw-Erin-c8d07f52',
};
/** Which secret file each sensitive attribute of the example reads. */
const SECRET_OF: Record<string, keyof typeof KNOWN> = {
  'acme-dental/vpn/hq': 'westside-it/acme-hq-psk',
  'acme-dental/vpn-user/dr-lee': 'westside-it/acme-dr-lee-password',
  'cole-accounting/vpn-user/carol': 'ledgerline/cole-carol-password',
  'cole-accounting/vpn-user/dan': 'ledgerline/cole-dan-password',
  'cole-accounting/vpn-user/erin': 'ledgerline/cole-erin-password',
};
const PSK_LINE = '        preSharedKey: { file: secrets/westside-it/acme-hq-psk }';

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

const writeKnown = (sb: Sandbox): void => {
  for (const [name, value] of Object.entries(KNOWN)) writeFileSync(join(sb.dir, 'iswest', 'secrets', name), `${value}\n`);
};

/** Absolute paths of this host a refusal must never show. */
const hostPaths = (sb: Sandbox): string[] => [sb.dir, realpathSync(sb.dir), REPO, homedir(), tmpdir()];
const printed = (r: Run): string => r.stdout + r.stderr;

describe('secrets', () => {
  const sb = sandbox('iswest', { ACME_UNUSED: 'x' });
  afterAll(() => sb.remove());

  it('are resolved at apply time and appear in no state, plan, JSON output or log', () => {
    writeKnown(sb);
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
      (writeFileSync(join(sb.dir, 'iswest', 'secrets', 'westside-it', 'acme-hq-psk'), 'Psk-Rotated-0d9e8b77\n'), sb.run('plan', 'iswest')),
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

describe("a partner's tenant reads secrets only where its Partners entry allows, in every run (hostile 1, 2, 4)", () => {
  const OPERATOR_KEY = 'Cs-Operator-Secret-31d7a0';
  const sb = sandbox('iswest', { CLOUDSTACK_SECRET_KEY: OPERATOR_KEY, ACME_HQ_PSK: 'Psk-From-Env-11aa' });
  const acme = sb.read('iswest/acme-dental.yaml');
  const cole = sb.read('iswest/cole-accounting.yaml');
  const secrets = join(sb.dir, 'iswest', 'secrets');
  beforeAll(() => {
    // Links a partner could commit to its own directory.
    symlinkSync('/etc/passwd', join(secrets, 'westside-it', 'passwd-link'));
    symlinkSync('/etc/netfirst-no-such-file', join(secrets, 'westside-it', 'dangling-link'));
    symlinkSync('../ledgerline/cole-carol-password', join(secrets, 'westside-it', 'carol-link'));
    symlinkSync('/etc', join(secrets, 'westside-it', 'etc'));
  });
  afterAll(() => sb.remove());
  const withPsk = (ref: string): void => sb.write('iswest/acme-dental.yaml', acme.replace(PSK_LINE, `        preSharedKey: ${ref}`));
  const pskError = (why: string): string => `iswest/acme-dental.yaml:28:23: error: spec.vpn.siteToSite[0].preSharedKey: cannot read the pre-shared key of vpn hq: ${why}`;
  const outside = (file: string): string => `secret { file: ${file} } is outside the secret directories partner westside-it may use (secrets/westside-it)`;

  it.each([
    { reason: 'hostile 1: a file of the host', ref: '{ file: ../../etc/passwd }', why: outside('../../etc/passwd') },
    { reason: 'hostile 1: an absolute path', ref: '{ file: /etc/passwd }', why: outside('/etc/passwd') },
    { reason: "hostile 1: ../ into another partner's directory", ref: '{ file: secrets/westside-it/../ledgerline/cole-carol-password }', why: outside('secrets/westside-it/../ledgerline/cole-carol-password') },
    { reason: 'hostile 1: a symlink in its own directory pointing at a host file', ref: '{ file: secrets/westside-it/passwd-link }', why: outside('secrets/westside-it/passwd-link') },
    { reason: "hostile 1: a symlink in its own directory pointing into another partner's", ref: '{ file: secrets/westside-it/carol-link }', why: outside('secrets/westside-it/carol-link') },
    { reason: 'hostile 1: a symlinked directory in its own directory', ref: '{ file: secrets/westside-it/etc/passwd }', why: outside('secrets/westside-it/etc/passwd') },
    { reason: 'hostile 4: a variable not among its patterns', ref: '{ env: HOME }', why: 'secret { env: HOME } is not among the variables partner westside-it may use (ACME_*)' },
    { reason: 'hostile 2: the operator’s CloudStack key', ref: '{ env: CLOUDSTACK_SECRET_KEY }', why: 'secret { env: CLOUDSTACK_SECRET_KEY } is not among the variables partner westside-it may use (ACME_*)' },
  ])('$reason: refused at its line in the partner’s run and in the operator’s, naming no host path', ({ ref, why }) => {
    withPsk(ref);
    for (const args of [['plan', 'iswest', '--partner', 'westside-it'], ['plan', 'iswest']]) {
      const r = sb.run(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(pskError(why));
      for (const path of hostPaths(sb)) expect(printed(r)).not.toContain(path);
      expect(printed(r)).not.toContain('root:x:0');
    }
  });

  it('hostile 4: the refusal reads the same whether the variable or file exists', () => {
    const refusal = (ref: string): string => {
      withPsk(ref);
      const r = sb.run('plan', 'iswest', '--partner', 'westside-it');
      expect(r.code).toBe(1);
      return r.stderr.split('\n').find((l) => l.includes('acme-dental.yaml:28'))!;
    };
    expect(refusal('{ env: HOME }').replace('HOME', 'X')).toBe(refusal('{ env: NETFIRST_NO_SUCH_VARIABLE }').replace('NETFIRST_NO_SUCH_VARIABLE', 'X'));
    expect(refusal('{ file: ../../etc/passwd }').replace('passwd', 'X')).toBe(refusal('{ file: ../../etc/netfirst-no-such-file }').replace('netfirst-no-such-file', 'X'));
    // One link leads to a file that exists, the other to one that does not.
    expect(refusal('{ file: secrets/westside-it/passwd-link }').replace('passwd-link', 'X')).toBe(refusal('{ file: secrets/westside-it/dangling-link }').replace('dangling-link', 'X'));
  });

  it("hostile 2: the operator's key on a partner's VPN user is refused by the operator's apply too, and lands nowhere", () => {
    withPsk('{ file: secrets/westside-it/acme-hq-psk }');
    sb.write('iswest/cole-accounting.yaml', cole.replace('password: { file: secrets/ledgerline/cole-carol-password }', 'password: { env: CLOUDSTACK_SECRET_KEY }'));
    const r = sb.run('apply', 'iswest', '--auto-approve');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/iswest\/cole-accounting\.yaml:24:\d+: error: spec\.vpn\.remoteAccess\.users\[0\]\.password: cannot read the password of vpn user carol: secret \{ env: CLOUDSTACK_SECRET_KEY \} is not among the variables partner ledgerline may use \(COLE_\*\)/);
    const state = JSON.parse(sb.run('state', 'list', '--json').stdout) as { address: string }[];
    expect(state.filter((s) => s.address.startsWith('cole-accounting/'))).toEqual([]);
    const hits = filesUnder(join(sb.dir, '.netfirst')).filter((f) => f.bytes.includes(OPERATOR_KEY)).map((f) => f.path);
    expect(hits).toEqual([]);
    sb.write('iswest/cole-accounting.yaml', cole);
  });

  it('what the entry allows is read: a variable matching its pattern, a file in its directory', () => {
    withPsk('{ env: ACME_HQ_PSK }');
    expect(sb.run('plan', 'iswest', '--partner', 'westside-it').code).toBe(0);
    withPsk('{ file: secrets/westside-it/acme-hq-psk }');
    expect(sb.run('plan', 'iswest', '--partner', 'westside-it').code).toBe(0);
  });
});

describe('a secret file is a small regular file, for everyone (hostile 16)', () => {
  const sb = sandbox('iswest');
  const acme = sb.read('iswest/acme-dental.yaml');
  const iswest = join(sb.dir, 'iswest');
  beforeAll(() => {
    for (const dir of [iswest, join(iswest, 'secrets', 'westside-it')]) {
      expect(spawnSync('mkfifo', [join(dir, 'fifo')]).status).toBe(0);
      writeFileSync(join(dir, 'big'), Buffer.alloc(1024 * 1024, 'a'));
    }
    symlinkSync('/dev/zero', join(iswest, 'secrets', 'westside-it', 'zero-link'));
  });
  afterAll(() => sb.remove());
  // A tenant no partner owns: the operator's, reading any path — still only small regular files.
  const opsLab = [
    'apiVersion: netfirst/v1', 'kind: Tenant', 'metadata: { name: ops-lab }', 'spec:', '  zone: iswest-1', '  networks:',
    '    - { name: lan, cidr: 10.90.0.0/24, segment: { vlan: auto }, sourceNat: nat }', '  publicIps:', '    - { name: nat }',
    '  vpn:', '    remoteAccess:', '      users:', '        - { name: op, password: { file: FILE } }', '',
  ].join('\n');

  it.each([
    { reason: 'a device that never ends', file: '/dev/zero', why: 'secret file /dev/zero is not a regular file' },
    { reason: 'standard input (would block)', file: '/dev/stdin', why: 'secret file /dev/stdin is not a regular file' },
    { reason: "a process's environment under /proc", file: '/proc/self/environ', why: 'secret file /proc/self/environ is not a regular file' },
    { reason: 'a FIFO (would block)', file: 'fifo', why: 'secret file fifo is not a regular file' },
    { reason: 'a 1 MiB file', file: 'big', why: 'secret file big is larger than 64 KiB' },
    { reason: 'a directory', file: 'secrets', why: 'secret file secrets is not a regular file' },
  ])("the operator's tenant: $reason is refused at its line", ({ file, why }) => {
    sb.write('iswest/ops-lab.yaml', opsLab.replace('FILE', file));
    const r = sb.run('plan', 'iswest', '--tenant', 'ops-lab');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`iswest/ops-lab.yaml:13:33: error: spec.vpn.remoteAccess.users[0].password: cannot read the password of vpn user op: ${why}`);
  });

  it.each([
    { reason: 'a FIFO in its own directory', file: 'secrets/westside-it/fifo', why: 'secret file secrets/westside-it/fifo is not a regular file' },
    { reason: 'a 1 MiB file in its own directory', file: 'secrets/westside-it/big', why: 'secret file secrets/westside-it/big is larger than 64 KiB' },
    { reason: 'a link in its own directory to /dev/zero', file: 'secrets/westside-it/zero-link', why: 'secret { file: secrets/westside-it/zero-link } is outside the secret directories partner westside-it may use (secrets/westside-it)' },
    { reason: '/dev/zero itself', file: '/dev/zero', why: 'secret { file: /dev/zero } is outside the secret directories partner westside-it may use (secrets/westside-it)' },
  ])("a partner's tenant: $reason is refused at its line", ({ file, why }) => {
    rmSync(join(iswest, 'ops-lab.yaml'), { force: true });
    sb.write('iswest/acme-dental.yaml', acme.replace(PSK_LINE, `        preSharedKey: { file: ${file} }`));
    const r = sb.run('plan', 'iswest', '--partner', 'westside-it');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`iswest/acme-dental.yaml:28:23: error: spec.vpn.siteToSite[0].preSharedKey: cannot read the pre-shared key of vpn hq: ${why}`);
  });
});

describe('digests are keyed by the state secret key, not by the lineage a plan prints (hostile 3)', () => {
  const sb = sandbox('iswest');
  afterAll(() => sb.remove());
  const lineageDigest = (lineage: string, value: string): string => createHmac('sha256', lineage).update(value).digest('hex');
  const resourcesOf = (): { address: string; attributes: Record<string, unknown>; sensitive: string[] }[] => {
    const db = new Database(join(sb.dir, '.netfirst', 'state.db'), { readonly: true });
    try {
      return (db.prepare('SELECT address, attributes, sensitive FROM resources').all() as { address: string; attributes: string; sensitive: string }[])
        .map((r) => ({ address: r.address, attributes: JSON.parse(r.attributes), sensitive: JSON.parse(r.sensitive) }));
    } finally {
      db.close();
    }
  };
  const sensitiveDigests = (): string[] => resourcesOf().flatMap((r) => r.sensitive.map((k) => String(r.attributes[k])));

  it('a plan shows its lineage, but HMAC(lineage, value) of no secret appears in it', () => {
    writeKnown(sb);
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    writeFileSync(join(sb.dir, 'iswest', 'secrets', 'westside-it', 'acme-hq-psk'), 'Psk-Rotated-0d9e8b77\n');
    const r = sb.run('plan', 'iswest', '--json');
    const plan = JSON.parse(r.stdout) as { lineage: string; changes: { address: string; before: Record<string, unknown>; after: Record<string, unknown> }[] };
    const hq = plan.changes.find((c) => c.address === 'acme-dental/vpn/hq')!;
    expect(String(hq.after['preSharedKey'])).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(hq.before['preSharedKey']).not.toBe(hq.after['preSharedKey']);
    for (const value of [...Object.values(KNOWN), 'Psk-Rotated-0d9e8b77']) expect(r.stdout).not.toContain(lineageDigest(plan.lineage, value));
    expect(sensitiveDigests().every((d) => /^hmac-sha256:[0-9a-f]{64}$/.test(d))).toBe(true);
    writeKnown(sb);
  });

  it('a state with lineage-keyed digests migrates: No changes, then apply rewrites them, and none is ever shown', () => {
    const lineage = (JSON.parse(sb.run('plan', 'iswest', '--json').stdout) as { lineage: string }).lineage;
    // As netfirst recorded them before the secret key: sha256: + HMAC(lineage, value).
    const db = new Database(join(sb.dir, '.netfirst', 'state.db'));
    for (const r of resourcesOf()) {
      if (r.sensitive.length === 0) continue;
      const attributes = { ...r.attributes };
      for (const k of r.sensitive) attributes[k] = `sha256:${lineageDigest(lineage, KNOWN[SECRET_OF[r.address]!])}`;
      db.prepare('UPDATE resources SET attributes = ? WHERE address = ?').run(JSON.stringify(attributes), r.address);
    }
    db.close();
    const legacy = Object.values(KNOWN).map((v) => lineageDigest(lineage, v));
    expect(sensitiveDigests().filter((d) => d.startsWith('sha256:'))).toHaveLength(5);

    const plan = sb.run('plan', 'iswest');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes.');
    const json = sb.run('plan', 'iswest', '--json');
    for (const d of legacy) expect(json.stdout).not.toContain(d);

    // A secret changed since is a change, still without the old digest.
    writeFileSync(join(sb.dir, 'iswest', 'secrets', 'ledgerline', 'cole-dan-password'), 'Pw-Dan-Rotated-77\n');
    const changed = sb.run('plan', 'iswest', '--json');
    const changes = (JSON.parse(changed.stdout) as { changes: { address: string; action: string }[] }).changes.filter((c) => c.action !== 'noop');
    expect(changes.map((c) => `${c.action} ${c.address}`)).toEqual(['update cole-accounting/vpn-user/dan']);
    for (const d of legacy) expect(changed.stdout).not.toContain(d);
    writeKnown(sb);

    const apply = sb.run('apply', 'iswest', '--auto-approve');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('No changes.');
    const digests = sensitiveDigests();
    expect(digests).toHaveLength(5);
    expect(digests.every((d) => /^hmac-sha256:[0-9a-f]{64}$/.test(d))).toBe(true);
    expect(sb.run('plan', 'iswest', '--detailed-exitcode').code).toBe(0);
  });
});

describe('apply time judges secrets as plan time did: a file swapped after the plan is refused', () => {
  it('the resolver refuses a file that became a symlink out of the directory, or a FIFO', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfirst-secret-swap-'));
    try {
      mkdirSync(join(dir, 'secrets', 'westside-it'), { recursive: true });
      mkdirSync(join(dir, 'secrets', 'ledgerline'), { recursive: true });
      writeFileSync(join(dir, 'partners.yaml'), [
        'apiVersion: netfirst/v1', 'kind: Partners', 'metadata: { name: partners }', 'spec:', '  partners:',
        '    - { name: westside-it, tenants: [ "acme-*" ], zones: [ z1 ], secrets: { files: [ secrets/westside-it ] } }', '',
      ].join('\n'));
      const psk = join(dir, 'secrets', 'westside-it', 'psk');
      writeFileSync(psk, 'Psk-Planned\n');
      writeFileSync(join(dir, 'secrets', 'ledgerline', 'carol'), 'Pw-Carol-Other\n');
      const resolve = secretResolver(secretScope(loadSpecs([join(dir, 'partners.yaml')])));
      expect(resolve({ file: 'secrets/westside-it/psk' }, dir, 'acme-dental')).toBe('Psk-Planned');
      renameSync(psk, `${psk}.old`);
      symlinkSync('../ledgerline/carol', psk);
      expect(() => resolve({ file: 'secrets/westside-it/psk' }, dir, 'acme-dental'))
        .toThrow('secret { file: secrets/westside-it/psk } is outside the secret directories partner westside-it may use (secrets/westside-it)');
      rmSync(psk);
      expect(spawnSync('mkfifo', [psk]).status).toBe(0);
      expect(() => resolve({ file: 'secrets/westside-it/psk' }, dir, 'acme-dental')).toThrow('secret file secrets/westside-it/psk is not a regular file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a saved plan whose secret file was swapped for a symlink is refused, and the target lands nowhere', () => {
    const sb = sandbox('iswest');
    try {
      writeKnown(sb);
      expect(sb.run('plan', 'iswest', '--partner', 'westside-it', '--out', 'p.json').code).toBe(0);
      const psk = join(sb.dir, 'iswest', 'secrets', 'westside-it', 'acme-hq-psk');
      rmSync(psk);
      symlinkSync('../ledgerline/cole-carol-password', psk);
      const r = sb.run('apply', 'p.json', '--partner', 'westside-it');
      expect(r.code).toBe(1);
      expect(printed(r)).toContain('secret { file: secrets/westside-it/acme-hq-psk } is outside the secret directories partner westside-it may use (secrets/westside-it)');
      expect(JSON.parse(sb.run('state', 'list', '--json').stdout)).toEqual([]);
      const hits = filesUnder(join(sb.dir, '.netfirst')).filter((f) => f.bytes.includes(KNOWN['ledgerline/cole-carol-password'])).map((f) => f.path);
      expect(hits).toEqual([]);
    } finally {
      sb.remove();
    }
  });
});
