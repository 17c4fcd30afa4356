/**
 * A hostile partner's pull-request pipeline: POST /api/v1/plans with a bundle of spec
 * files, as westside-it (owner of acme-*) against examples/iswest. Its own Tenant files
 * are planned (and applied once approved); anything else is refused before it is read as
 * specs — another partner's tenant (in words that do not say whether it exists), Zone
 * and Partners documents however they are named or hidden, paths that leave the bundle,
 * and secrets from anywhere but westside-it's own store on the server (never the
 * server's environment, never another file of the host). No refusal holds a secret.
 *
 * The server runs with --secrets-dir STORE: STORE/westside-it holds westside-it's
 * secrets (the two files of examples/iswest/secrets/westside-it), STORE/ledgerline
 * ledgerline's. An uploaded `{ file: NAME }` is read from STORE/<partner>/NAME.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, expectNoLeaks, expectProblem, labs, REPO, type ApiResponse, type Json, type Lab, type Server, type Token } from './harness.js';

/** A small tenant with no secrets, named `name` (westside-it owns acme-*). */
const smallTenant = (name: string, extra = ''): string => `apiVersion: netfirst/v1
kind: Tenant
metadata: { name: ${name}, partner: westside-it }
spec:
  zone: iswest-1
  networks:
    - { name: lan, cidr: 10.21.0.0/24, segment: { vlan: auto } }
  vms:
    - { name: web-1, hypervisor: kvm, cpu: 1, memory: 1GiB, template: ubuntu-24.04, nics: [ { network: lan } ], rootDisk: { size: 10GiB, tier: standard } }
${extra}`;

/** A tenant whose one VPN user's password is `ref` (YAML flow text). */
const tenantWithSecret = (ref: string): string => `apiVersion: netfirst/v1
kind: Tenant
metadata: { name: acme-vpn, partner: westside-it }
spec:
  zone: iswest-1
  networks:
    - { name: lan, cidr: 10.22.0.0/24, segment: { vlan: auto }, sourceNat: nat }
  publicIps:
    - { name: nat }
  vpn:
    remoteAccess:
      users:
        - { name: bob, password: ${ref} }
`;

const PASSWD_HEAD = readFileSync('/etc/passwd', 'utf8').split('\n')[0]!;
const LEAKY_ENV = { ACME_LEAK: 'server-env-secret-7d1f0a', HOME: process.env['HOME'] ?? '/root' };

describe('netfirst serve: a spec bundle uploaded by a partner (westside-it)', () => {
  const lab = labs();
  let l: Lab;
  let server: Server;
  let westside: Token;
  let op: Token;
  /** Secrets of the store, which no answer may hold. */
  let storeValues: string[];

  beforeAll(async () => {
    l = lab();
    const store = join(l.dir, 'store');
    cpSync(join(REPO, 'examples/iswest/secrets/westside-it'), join(store, 'westside-it'), { recursive: true });
    cpSync(join(REPO, 'examples/iswest/secrets/ledgerline'), join(store, 'ledgerline'), { recursive: true });
    storeValues = ['westside-it/acme-hq-psk', 'westside-it/acme-dr-lee-password', 'ledgerline/cole-carol-password'].map((f) => readFileSync(join(store, f), 'utf8').trim());
    [westside, op] = await Promise.all([l.token('partner', { partner: 'westside-it' }), l.token('operator')]);
    server = await l.serve(['--secrets-dir', store], LEAKY_ENV);
  });

  const upload = (files: { path: string; content: string }[], body: Record<string, unknown> = {}): Promise<ApiResponse> =>
    server.api('POST', '/api/v1/plans', { token: westside, body: { ...body, bundle: { files } } });

  /** acme-dental.yaml as westside-it's branch has it: the secrets named in its store, pms-1 with 6 CPUs. */
  const acmeDental = (): string => {
    const text = readFileSync(join(REPO, 'examples/iswest/acme-dental.yaml'), 'utf8')
      .replace('{ file: secrets/westside-it/acme-hq-psk }', '{ file: acme-hq-psk }')
      .replace('{ file: secrets/westside-it/acme-dr-lee-password }', '{ file: acme-dr-lee-password }')
      .replace('hypervisor: kvm\n      cpu: 4\n      memory: 8GiB', 'hypervisor: kvm\n      cpu: 6\n      memory: 8GiB');
    expect(text).toContain('{ file: acme-hq-psk }');
    expect(text).toContain('cpu: 6');
    return text;
  };

  describe('its own tenants are planned', () => {
    it('its own tenant file, with secrets from its store: 201, and the plan shows it', async () => {
      const r = await upload([{ path: 'tenants/acme-dental.yaml', content: acmeDental() }]);
      expect(r.status, r.text).toBe(201);
      expect(r.json).toMatchObject({ status: 'planned', partner: 'westside-it', tenants: ['acme-dental'], hasChanges: true, hasErrors: false });
      expect(r.json.renderings.text).toMatch(/acme-dental\/vm\/pms-1 will be created/);
      expect(r.json.renderings.text).toMatch(/cpu\s*=\s*6/);
      expect(r.json.renderings.text).toMatch(/acme-dental\/vpn\/hq will be created/);
      for (const v of storeValues) expect(r.text).not.toContain(v);
      // It reads it back, and the operator sees it too.
      expect((await server.api('GET', `/api/v1/plans/${r.json.id}`, { token: westside })).status).toBe(200);
      expect((await server.api('GET', `/api/v1/plans/${r.json.id}`, { token: op })).status).toBe(200);
      await server.api('POST', `/api/v1/plans/${r.json.id}/discard`, { token: westside });
    });

    it('a new tenant of its own (acme-*): 201', async () => {
      const r = await upload([{ path: 'acme-shop.yaml', content: smallTenant('acme-shop') }]);
      expect(r.status, r.text).toBe(201);
      expect(r.json).toMatchObject({ tenants: ['acme-shop'], summary: { add: 2 } });
      await server.api('POST', `/api/v1/plans/${r.json.id}/discard`, { token: westside });
    });
  });

  describe('what is not its own is refused, naming nothing of others', () => {
    it("another partner's tenant: 422, in the very words a tenant that exists nowhere gets", async () => {
      const foreign = await upload([{ path: 'tenants/x.yaml', content: smallTenant('baker-law') }]);
      const nowhere = await upload([{ path: 'tenants/x.yaml', content: smallTenant('zz-nowhere') }]);
      expectProblem(foreign, 422, 'refused');
      expectProblem(nowhere, 422, 'refused');
      expect(JSON.parse(foreign.text.split('baker-law').join('NAME'))).toEqual(JSON.parse(nowhere.text.split('zz-nowhere').join('NAME')));
      expect(foreign.text).not.toMatch(/lexcore|exists|does not exist|not found/);
    });

    it('two tenants in one file, one of them foreign: 422', async () => {
      const r = await upload([{ path: 'acme-pair.yaml', content: `${smallTenant('acme-shop')}---\n${smallTenant('baker-law')}` }]);
      expectProblem(r, 422, 'refused');
      expect(r.json.errors).toEqual([{ field: 'bundle.files.0', message: expect.stringContaining('baker-law') }]);
    });

    const operatorDocs: { reason: string; content: () => string }[] = [
      { reason: 'a Zone document', content: () => readFileSync(join(REPO, 'examples/iswest/zone.yaml'), 'utf8') },
      { reason: 'a Partners document', content: () => readFileSync(join(REPO, 'examples/iswest/partners.yaml'), 'utf8') },
      { reason: 'a Partners document after its own tenant in the same file', content: () => `${smallTenant('acme-shop')}---\n${readFileSync(join(REPO, 'examples/iswest/partners.yaml'), 'utf8')}` },
    ];
    it.each(operatorDocs)('$reason, in a file named like a tenant: 422', async ({ content }) => {
      const r = await upload([{ path: 'tenants/acme-extra.yaml', content: content() }]);
      expectProblem(r, 422, 'refused');
      expect(r.json.detail).toMatch(/only Tenant documents/);
      expect(r.json.errors?.[0]?.field).toBe('bundle.files.0');
    });

    it.each(['zone-x.yaml', 'partners.yaml', 'tenants/zone.yml', 'Partners.YAML'])('a file named %s: 400 naming bundle.files.0.path', async (path) => {
      const r = await upload([{ path, content: smallTenant('acme-shop') }]);
      expectProblem(r, 400, 'bad-request');
      expect(r.json.errors).toEqual([{ field: 'bundle.files.0.path', message: expect.any(String) }]);
    });

    const badPaths: { reason: string; path: string }[] = [
      { reason: 'a parent part', path: '../acme-shop.yaml' },
      { reason: 'a parent part inside', path: 'tenants/../../acme-shop.yaml' },
      { reason: 'absolute', path: '/etc/netfirst/acme-shop.yaml' },
      { reason: 'a backslash', path: 'tenants\\acme-shop.yaml' },
      { reason: 'a hidden directory', path: '.git/acme-shop.yaml' },
      { reason: 'a hidden file', path: 'tenants/.acme-shop.yaml' },
      { reason: 'a dot part', path: './acme-shop.yaml' },
      { reason: 'not YAML', path: 'acme-shop.sh' },
    ];
    it.each(badPaths)('a path with $reason ($path): 400 naming bundle.files.1.path', async ({ path }) => {
      const r = await upload([{ path: 'acme-shop.yaml', content: smallTenant('acme-shop') }, { path, content: smallTenant('acme-other') }]);
      expectProblem(r, 400, 'bad-request');
      expect(r.json.errors).toEqual([{ field: 'bundle.files.1.path', message: expect.any(String) }]);
    });
  });

  describe('secrets come only from its own store on the server', () => {
    const refused: { reason: string; ref: string; never: () => string[] }[] = [
      { reason: 'the server\'s environment: HOME', ref: '{ env: HOME }', never: () => [LEAKY_ENV.HOME] },
      { reason: 'the server\'s environment: a variable its Partners entry names (ACME_*)', ref: '{ env: ACME_LEAK }', never: () => [LEAKY_ENV.ACME_LEAK] },
      { reason: 'a file up and out of the store', ref: '{ file: ../../../../etc/passwd }', never: () => [PASSWD_HEAD] },
      { reason: 'an absolute file', ref: '{ file: /etc/passwd }', never: () => [PASSWD_HEAD] },
      { reason: "another partner's store", ref: '{ file: ../ledgerline/cole-carol-password }', never: () => storeValues },
      { reason: 'the server\'s own spec tree', ref: '{ file: ../../specs/secrets/westside-it/acme-hq-psk }', never: () => storeValues },
    ];
    it.each(refused)('$reason: 422 with diagnostics, the value nowhere in the answer', async ({ ref, never }) => {
      const r = await upload([{ path: 'acme-vpn.yaml', content: tenantWithSecret(ref) }]);
      expectProblem(r, 422);
      expect(r.json.type).toMatch(/urn:netfirst:problem:(invalid-specs|refused)/);
      const errors = (r.json.diagnostics ?? []).filter((d: Json) => d.severity === 'error');
      expect(errors).toEqual([expect.objectContaining({ file: 'acme-vpn.yaml', path: 'spec.vpn.remoteAccess.users.0.password', line: 13 })]);
      for (const value of never()) expect(r.text).not.toContain(value);
    });

    it('a file of its own store: 201, the value nowhere in the answer', async () => {
      const r = await upload([{ path: 'acme-vpn.yaml', content: tenantWithSecret('{ file: acme-dr-lee-password }') }]);
      expect(r.status, r.text).toBe(201);
      for (const v of storeValues) expect(r.text).not.toContain(v);
      await server.api('POST', `/api/v1/plans/${r.json.id}/discard`, { token: westside });
    });
  });

  it('a bundle plan, approved and run, applies: the resources appear in GET /api/v1/tenants/NAME', async () => {
    const made = await upload([{ path: 'tenants/acme-dental.yaml', content: acmeDental() }]);
    expect(made.status, made.text).toBe(201);
    const { run } = await applyPlan(server, westside, { bundle: { files: [{ path: 'tenants/acme-dental.yaml', content: acmeDental() }] } });
    expect(run.status, run.summary).toBe('succeeded');
    await server.api('POST', `/api/v1/plans/${made.json.id}/discard`, { token: westside });

    const tenant = await server.api('GET', '/api/v1/tenants/acme-dental', { token: westside });
    expect(tenant.status, tenant.text).toBe(200);
    expect(tenant.json.resources).toBe(10);
    const pms = tenant.json.recorded.find((r: Json) => r.address === 'acme-dental/vm/pms-1');
    expect(pms?.attributes.cpu).toBe(6);
    expect(tenant.json.recorded.map((r: Json) => r.address)).toContain('acme-dental/vpn-user/dr-lee');
    for (const v of storeValues) expect(tenant.text).not.toContain(v);
  });

  it("a bundle plan's JSON rendering does not name where the server keeps the bundle", async () => {
    // KNOWN BUG: toPlanDetail strips only "<spec root>/"; a bundle's files are laid out in
    // STATE_DIR/server/bundles/UUID, and every source.file, secrets' baseDir and
    // selection.paths of renderings.json give that directory to the partner.
    const r = await upload([{ path: 'acme-shop.yaml', content: smallTenant('acme-shop') }]);
    expect(r.status, r.text).toBe(201);
    await server.api('POST', `/api/v1/plans/${r.json.id}/discard`, { token: westside });
    expect(r.text).not.toContain(l.dir);
  });

  it('no response held a stack frame or a path of the server', () => {
    expectNoLeaks(server, l);
  });
});
