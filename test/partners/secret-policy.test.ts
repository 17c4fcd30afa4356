/**
 * Where a tenant's secrets may come from, on plain values: whose rules apply (owner, run
 * partner, ambiguous), which variables and which real file locations each allows, and
 * that a refusal says the same whatever exists and names no path of the host.
 */
import { describe, expect, it } from 'vitest';
import type { SpecSet } from '../../specs/model.js';
import { PartnersDocument } from '../../specs/schema.js';
import { envRefusal, fileRefusal, isWithin, ownerOf, secretPolicy, type SecretPolicy } from '../../engine/partners/index.js';

type Entry = { name: string; tenants: string[]; secrets?: { env?: string[]; files?: string[] } };

function partners(entries: Entry[], file = 'specs/partners.yaml'): Pick<SpecSet, 'partners'> {
  const value = PartnersDocument.parse({ apiVersion: 'netfirst/v1', kind: 'Partners', metadata: { name: 'p' }, spec: { partners: entries.map((e) => ({ ...e, zones: ['z1'] })) } });
  return { partners: [{ file, doc: 0, value }] };
}

const ISWEST = partners([
  { name: 'westside-it', tenants: ['acme-*'], secrets: { env: ['ACME_*', 'SHARED_PSK'], files: ['secrets/westside-it'] } },
  { name: 'lexcore', tenants: ['baker-law'] },
  { name: 'ledgerline', tenants: ['cole-*'], secrets: { files: ['secrets/ledgerline', '/srv/ledgerline'] } },
  { name: 'overlap', tenants: ['cole-acc*'] },
]);

describe('ownerOf: whose rules a tenant follows', () => {
  it.each([
    { reason: 'a tenant matched by one entry is that partner’s', tenant: 'acme-dental', want: 'partner westside-it' },
    { reason: 'an exact name', tenant: 'baker-law', want: 'partner lexcore' },
    { reason: 'a tenant no entry matches is the operator’s', tenant: 'zz-freeride', want: 'operator' },
    { reason: 'a tenant two entries match has no single owner', tenant: 'cole-accounting', want: 'ambiguous' },
    { reason: 'no Partners document: every tenant is the operator’s', tenant: 'acme-dental', want: 'operator', specs: { partners: [] } },
  ])('$reason', ({ tenant, want, specs }) => {
    const owner = ownerOf(specs ?? ISWEST, tenant);
    expect(owner.kind === 'partner' ? `partner ${owner.partner.name}` : owner.kind).toBe(want);
  });
});

describe('secretPolicy: the rules of a tenant in a run', () => {
  const describePolicy = (p: SecretPolicy): string =>
    p.kind === 'partner' ? `${p.partner}: env ${p.env.join(',') || '-'}; dirs ${p.dirs.map((d) => `${d.written}=${d.path}`).join(',') || '-'}` : p.kind;
  it.each([
    { reason: 'a partner’s tenant: its entry, directories relative to the Partners file', tenant: 'acme-dental', run: undefined, want: 'westside-it: env ACME_*,SHARED_PSK; dirs secrets/westside-it=specs/secrets/westside-it' },
    { reason: 'an absolute directory stays as the operator wrote it', tenant: 'cole-books', run: undefined, want: 'ledgerline: env -; dirs secrets/ledgerline=specs/secrets/ledgerline,/srv/ledgerline=/srv/ledgerline' },
    { reason: 'an entry without secrets allows nothing', tenant: 'baker-law', run: undefined, want: 'lexcore: env -; dirs -' },
    { reason: 'the operator’s tenant in the operator’s run: anything', tenant: 'zz-freeride', run: undefined, want: 'operator' },
    { reason: 'a partner’s tenant in the operator’s run: still the partner’s rules', tenant: 'baker-law', run: undefined, want: 'lexcore: env -; dirs -' },
    { reason: 'a tenant a partner only claims, in its run: that partner’s rules, never the operator’s', tenant: 'zz-freeride', run: 'lexcore', want: 'lexcore: env -; dirs -' },
    { reason: 'another partner’s tenant in a partner’s run: the run’s partner’s rules', tenant: 'cole-books', run: 'westside-it', want: 'westside-it: env ACME_*,SHARED_PSK; dirs secrets/westside-it=specs/secrets/westside-it' },
    { reason: 'an ambiguous owner: refused, in any run', tenant: 'cole-accounting', run: 'ledgerline', want: 'refused' },
  ])('$reason', ({ tenant, run, want }) => {
    expect(describePolicy(secretPolicy(ISWEST, tenant, run))).toBe(want);
  });
});

describe('envRefusal: which variables a tenant may read', () => {
  const westside = secretPolicy(ISWEST, 'acme-dental');
  it.each([
    { reason: 'a variable under an allowed prefix', policy: westside, name: 'ACME_HQ_PSK', want: undefined },
    { reason: 'an allowed exact name', policy: westside, name: 'SHARED_PSK', want: undefined },
    { reason: 'an exact name is not a prefix', policy: westside, name: 'SHARED_PSK_2', want: 'secret { env: SHARED_PSK_2 } is not among the variables partner westside-it may use (ACME_*, SHARED_PSK)' },
    { reason: 'hostile 2: the operator’s CloudStack key on a partner’s VPN user', policy: westside, name: 'CLOUDSTACK_SECRET_KEY', want: 'secret { env: CLOUDSTACK_SECRET_KEY } is not among the variables partner westside-it may use (ACME_*, SHARED_PSK)' },
    { reason: 'hostile 4: HOME is refused by name, set or not', policy: westside, name: 'HOME', want: 'secret { env: HOME } is not among the variables partner westside-it may use (ACME_*, SHARED_PSK)' },
    { reason: 'no secrets entry: no variable', policy: secretPolicy(ISWEST, 'baker-law'), name: 'BAKER_PW', want: 'secret { env: BAKER_PW } is not among the variables partner lexcore may use (none)' },
    { reason: 'the operator’s tenant reads any variable', policy: secretPolicy(ISWEST, 'zz-ops'), name: 'CLOUDSTACK_SECRET_KEY', want: undefined },
    { reason: 'an ambiguous owner reads none, and the refusal names no partner', policy: secretPolicy(ISWEST, 'cole-accounting'), name: 'COLE_PW', want: 'secret { env: COLE_PW } is refused: tenant cole-accounting is matched by more than one partner of the Partners document: the operator must give it one owner' },
  ])('$reason', ({ policy, name, want }) => {
    expect(envRefusal(policy, name)).toBe(want);
  });
});

describe('fileRefusal: which real file locations a tenant may read', () => {
  // Real locations as the CLI works them out (symlinks followed); the policy never sees whether a file exists.
  const westside = secretPolicy(ISWEST, 'acme-dental');
  const dirs = ['/srv/specs/secrets/westside-it'];
  const outside = (file: string): string => `secret { file: ${file} } is outside the secret directories partner westside-it may use (secrets/westside-it)`;
  it.each([
    { reason: 'a file inside its directory', file: 'secrets/westside-it/acme-hq-psk', located: '/srv/specs/secrets/westside-it/acme-hq-psk', want: undefined },
    { reason: 'a file below a subdirectory of it', file: 'secrets/westside-it/hq/psk', located: '/srv/specs/secrets/westside-it/hq/psk', want: undefined },
    { reason: 'hostile 1: a file of the host', file: '../../etc/passwd', located: '/etc/passwd', want: outside('../../etc/passwd') },
    { reason: 'hostile 1: ../ into another partner’s directory', file: 'secrets/westside-it/../ledgerline/cole-carol-password', located: '/srv/specs/secrets/ledgerline/cole-carol-password', want: outside('secrets/westside-it/../ledgerline/cole-carol-password') },
    { reason: 'hostile 1: a symlink inside its directory pointing out is judged where it leads', file: 'secrets/westside-it/link', located: '/etc/shadow', want: outside('secrets/westside-it/link') },
    { reason: 'a sibling directory sharing the prefix is not inside', file: 'secrets/westside-it-old/psk', located: '/srv/specs/secrets/westside-it-old/psk', want: outside('secrets/westside-it-old/psk') },
    { reason: 'where a path leads cannot be told (a symlink loop): outside', file: 'secrets/westside-it/loop', located: undefined, want: outside('secrets/westside-it/loop') },
    { reason: 'hostile 16: /dev/zero is outside every partner directory', file: '/dev/zero', located: '/dev/zero', want: outside('/dev/zero') },
  ])('$reason', ({ file, located, want }) => {
    expect(fileRefusal(westside, file, located, dirs)).toBe(want);
  });

  it.each([
    { reason: 'no secrets entry: no file', policy: secretPolicy(ISWEST, 'baker-law'), want: 'secret { file: secrets/x } is outside the secret directories partner lexcore may use (none)' },
    { reason: 'the operator’s tenant: any file (the safe-file rules still apply when read)', policy: secretPolicy(ISWEST, 'zz-ops'), want: undefined },
    { reason: 'an ambiguous owner: no file', policy: secretPolicy(ISWEST, 'cole-accounting'), want: 'secret { file: secrets/x } is refused: tenant cole-accounting is matched by more than one partner of the Partners document: the operator must give it one owner' },
  ])('$reason', ({ policy, want }) => {
    expect(fileRefusal(policy, 'secrets/x', '/srv/specs/secrets/x', [])).toBe(want);
  });

  it('hostile 4: a refusal reads the same whether the file exists, and names only what the spec and the Partners entry write', () => {
    const existing = fileRefusal(westside, '../../etc/x', '/etc/passwd', dirs);
    const missing = fileRefusal(westside, '../../etc/x', '/etc/no-such-file', dirs);
    expect(existing).toBe(missing);
    expect(existing).not.toMatch(/\/srv|\/etc\/(passwd|no-such)/);
  });
});

describe('isWithin', () => {
  it.each([
    { reason: 'a file below the directory', dir: '/a/b', path: '/a/b/c', want: true },
    { reason: 'the directory itself', dir: '/a/b', path: '/a/b', want: true },
    { reason: 'the parent', dir: '/a/b', path: '/a', want: false },
    { reason: 'a sibling sharing the prefix', dir: '/a/b', path: '/a/bc/d', want: false },
    { reason: 'a name starting with two dots is still inside', dir: '/a/b', path: '/a/b/..c', want: true },
    { reason: 'elsewhere', dir: '/a/b', path: '/etc/passwd', want: false },
  ])('$reason', ({ dir, path, want }) => {
    expect(isWithin(dir, path)).toBe(want);
  });
});
