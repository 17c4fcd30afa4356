/**
 * The partner boundary, tried as a hostile partner would, on a real git repository:
 * examples/iswest on main (westside-it owns acme-*, lexcore baker-law, ledgerline
 * cole-*), applied by the operator; each case is a branch of westside-it's, planned as
 * its pull-request pipeline does (`plan --partner westside-it --changed-since main`).
 * Every refusal: exit 1, at the offending file and line, naming no other partner's
 * tenant and no absolute path of the host, with state and the sim world unchanged.
 * Then what the operator's apply of main does when such a branch was merged anyway.
 */
import { createHmac } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitMissing, runGit, runNetfirst } from './git-repo.js';
import { REPO, type Run } from './harness.js';

if (gitMissing) console.log('test/cli/partner-boundary.test.ts: skipped, git is not installed');

/** pms-1's CPU line in acme-dental.yaml (the one place it appears with that comment above). */
const PMS_CPU = 'hypervisor: kvm\n      cpu: 4\n      memory: 8GiB';
const pmsCpu = (n: number | string): string => `hypervisor: kvm\n      cpu: ${n}\n      memory: 8GiB`;

/** Words that name other partners or their tenants: a westside-it run never prints them (but for the file it edited itself). */
const OTHERS = ['lexcore', 'ledgerline', 'baker-law', 'cole-accounting', 'cole-'];

describe.skipIf(gitMissing)('partner boundary: a hostile partner branch (westside-it)', () => {
  let root: string;
  let work: string;
  let env: NodeJS.ProcessEnv;

  const git = (...args: string[]): string => runGit(work, env, args);
  const netfirst = (...args: string[]): Run => runNetfirst(work, env, args);
  const asPartner = (...args: string[]): Run => netfirst(...args, '--partner', 'westside-it', '--changed-since', 'main');
  const prPlan = (): Run => asPartner('plan', 'specs');
  const file = (f: string): string => join(work, 'specs', f);
  const edit = (f: string, from: string, to: string): void => {
    const text = readFileSync(file(f), 'utf8');
    expect(text.split(from), `${f}: ${from}`).toHaveLength(2);
    writeFileSync(file(f), text.replace(from, to));
  };
  /** What is recorded and what really exists: must not move on a refused run. */
  const world = (): string => netfirst('state', 'list', '--json').stdout + netfirst('zone', 'inventory', 'iswest-1', join(root, 'main-zone'), '--json').stdout;
  let before: string;

  /** Runs `body` on a fresh branch of main holding `change` (committed), then goes back to a clean main. */
  const onBranch = (name: string, change: () => void, body: () => void): void => {
    git('checkout', '--quiet', '-b', name, 'main');
    try {
      change();
      git('add', '-A');
      git('commit', '--quiet', '--allow-empty', '-m', name);
      body();
    } finally {
      git('reset', '--quiet', '--hard');
      git('clean', '--quiet', '-fdx');
      git('checkout', '--quiet', 'main');
      git('branch', '--quiet', '-D', name);
    }
  };

  /** The refusal every hostile case must give. */
  const refused = (r: Run, at: RegExp, options: { mayName?: readonly string[] } = {}): void => {
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(1);
    expect(out).toMatch(at);
    expect(out).not.toContain(root);
    expect(out).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
    const allowed = options.mayName ?? [];
    const scrubbed = allowed.reduce((text, word) => text.split(word).join(''), out);
    for (const word of OTHERS) expect(scrubbed, `names ${word}`).not.toContain(word);
    expect(world()).toBe(before);
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'netfirst-boundary-'));
    work = join(root, 'work');
    mkdirSync(work);
    env = {
      ...process.env,
      HOME: root,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      NO_COLOR: '1',
      NETFIRST_STATE: join(root, 'state', 'state.db'),
      NETFIRST_PARTNER: '',
      ACME_NOT_SET_ANYWHERE: '',
    };
    cpSync(join(REPO, 'examples', 'iswest'), join(work, 'specs'), { recursive: true });
    // The zone as main has it, for reading the sim world whatever a branch did to its files.
    mkdirSync(join(root, 'main-zone'));
    cpSync(join(REPO, 'examples', 'iswest', 'zone.yaml'), join(root, 'main-zone', 'zone.yaml'));
    git('init', '--quiet');
    git('checkout', '--quiet', '-B', 'main');
    git('add', '-A');
    git('commit', '--quiet', '-m', 'iswest-1: three tenants');
    const applied = netfirst('apply', 'specs', '--auto-approve');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    before = world();
  }, 120_000);

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('plans a partner change to its own tenant (the boundary lets the ordinary case through)', () => {
    onBranch('own', () => edit('acme-dental.yaml', PMS_CPU, pmsCpu(6)), () => {
      const r = prPlan();
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/acme-dental\/vm\/pms-1 will be updated in place/);
      for (const word of OTHERS) expect(r.stdout + r.stderr).not.toContain(word);
    });
  });

  it.each([
    {
      reason: '5: editing another partner\'s tenant file is refused at that file, not silently left out',
      change: () => edit('baker-law.yaml', 'cpu: 4', 'cpu: 8'),
      at: /specs\/baker-law\.yaml:\d+:1: error: partner westside-it may change only the files of tenants it manages/,
      mayName: ['baker-law.yaml'],
    },
    {
      reason: '6: deleting another partner\'s tenant file (a --prune apply after the merge would destroy it)',
      change: () => unlinkSync(file('cole-accounting.yaml')),
      at: /specs\/cole-accounting\.yaml:1:1: error: partner westside-it may change only the files of tenants it manages/,
      mayName: ['cole-accounting.yaml'],
    },
    {
      reason: '7: a new zone file whose provider is the partner\'s own endpoint, with an unowned tenant in it',
      change: () => writeFileSync(file('zone-evil.yaml'), [
        'apiVersion: netfirst/v1', 'kind: Zone', 'metadata: { name: evil-1 }', 'spec:',
        '  provider: { type: cloudstack, endpoint: "https://partner.example.net/client/api", apiKey: { env: CLOUDSTACK_API_KEY }, secretKey: { env: CLOUDSTACK_SECRET_KEY } }',
        '  segments: { vlans: [ "100-199" ] }', '---',
        'apiVersion: netfirst/v1', 'kind: Tenant', 'metadata: { name: evil-tenant }', 'spec: { zone: evil-1 }', '',
      ].join('\n')),
      at: /specs\/zone-evil\.yaml:2:1: error: a partner's change may not add, change or delete Zone documents/,
    },
    {
      reason: '8: a Zone document appended to its own tenant file',
      change: () => appendFileSync(file('acme-dental.yaml'), '---\napiVersion: netfirst/v1\nkind: Zone\nmetadata: { name: iswest-2 }\nspec:\n  provider: { type: sim }\n  segments: { vlans: [ "100-199" ] }\n'),
      at: /specs\/acme-dental\.yaml:\d+:\d+: error: .*(a partner's change may not add, change or delete Zone documents|a Zone document is the operator's)/,
    },
    {
      reason: '9: granting itself baker-* and raising its quotas in partners.yaml (the base\'s Partners decides)',
      change: () => edit('partners.yaml', 'tenants: [ "acme-*" ]', 'tenants: [ "acme-*", "baker-*" ]'),
      at: /specs\/partners\.yaml:\d+:1: error: a partner's change may not add, change or delete Partners documents/,
    },
    {
      reason: '10: a new file whose name is another partner\'s tenant',
      change: () => writeFileSync(file('acme-extra.yaml'), readFileSync(file('baker-law.yaml'), 'utf8').replace('partner: lexcore', 'partner: westside-it')),
      at: /specs\/acme-extra\.yaml:\d+:1: error: partner westside-it may write only tenants it manages/,
      mayName: ['baker-law'],
    },
    {
      reason: '11: a fixed VLAN another partner uses: refused, naming nobody',
      change: () => edit('acme-dental.yaml', 'segment: { vlan: auto }', 'segment: { vlan: 310 }'),
      at: /specs\/acme-dental\.yaml:\d+:\d+: error: spec\.networks\[0\]\.segment\.vlan: VLAN 310 is already in use in zone iswest-1$/m,
    },
    {
      reason: '14: a Partners document in a tenant file, defining a partner of its own',
      change: () => writeFileSync(file('acme-t.yaml'), 'apiVersion: netfirst/v1\nkind: Partners\nmetadata: { name: mine }\nspec:\n  partners:\n    - { name: evil, tenants: [ "b*", "c*" ], zones: [ iswest-1 ] }\n'),
      at: /specs\/acme-t\.yaml:2:1: error: a partner's change may not add, change or delete Partners documents/,
    },
    {
      reason: '15: a second Tenant document of nobody\'s in its own file: 64 vCPU outside every quota',
      change: () => appendFileSync(file('acme-dental.yaml'), '---\napiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: zz-freeride }\nspec:\n  zone: iswest-1\n  publicIps: [ { name: a }, { name: b }, { name: c } ]\n'),
      at: /specs\/acme-dental\.yaml:\d+:1: error: partner westside-it may write only tenants it manages: tenant zz-freeride is not one of them/,
    },
    {
      reason: 'a symbolic link in its own secret directory, pointing out of it',
      change: () => symlinkSync('/etc/hostname', file('secrets/westside-it/evil-link')),
      at: /specs\/secrets\/westside-it\/evil-link:1:1: error: a partner's change may not add or change symbolic links/,
    },
    {
      reason: 'a file outside its secret directories that is no spec (another partner\'s secret)',
      change: () => writeFileSync(file('secrets/ledgerline/cole-carol-password'), 'guessed\n'),
      at: /cole-carol-password:1:1: error: partner westside-it may write only its tenants' spec files and files in its secret directories/,
      mayName: ['secrets/ledgerline/cole-carol-password', 'ledgerline/cole-carol-password'],
    },
  ])('$reason', ({ change, at, mayName }) => {
    onBranch('hostile', change, () => refused(prPlan(), at, mayName ? { mayName } : {}));
  });

  const PSK = 'preSharedKey: { file: secrets/westside-it/acme-hq-psk }';
  const DR_LEE = 'password: { file: secrets/westside-it/acme-dr-lee-password }';

  it.each([
    { reason: '1: a file of the operator\'s host as its IKE key', to: 'preSharedKey: { file: /etc/passwd }', at: /acme-dental\.yaml:28:\d+: error: .*secret \{ file: \/etc\/passwd \} is outside the secret directories partner westside-it may use/ },
    { reason: '1: another partner\'s secret file, by a relative path', to: 'preSharedKey: { file: secrets/ledgerline/cole-carol-password }', at: /acme-dental\.yaml:28:\d+: error: .*is outside the secret directories partner westside-it may use/, mayName: ['secrets/ledgerline/cole-carol-password'] },
    { reason: '1: climbing out of its own directory', to: 'preSharedKey: { file: secrets/westside-it/../../../../etc/hostname }', at: /acme-dental\.yaml:28:\d+: error: .*is outside the secret directories partner westside-it may use/ },
    { reason: '16: an endless device as a secret: refused at once, nothing read', to: 'preSharedKey: { file: /dev/zero }', at: /acme-dental\.yaml:28:\d+: error: / },
    { reason: '16: the process environment as a secret', to: 'preSharedKey: { file: /proc/self/environ }', at: /acme-dental\.yaml:28:\d+: error: / },
  ])('$reason', ({ to, at, mayName }) => {
    onBranch('secret', () => edit('acme-dental.yaml', PSK, to), () => refused(prPlan(), at, mayName ? { mayName } : {}));
  });

  it('2: the operator\'s own credential as a tenant password is refused, in the operator\'s apply of main too', () => {
    onBranch('env-secret', () => edit('acme-dental.yaml', DR_LEE, 'password: { env: CLOUDSTACK_SECRET_KEY }'), () => {
      refused(prPlan(), /acme-dental\.yaml:32:\d+: error: .*secret \{ env: CLOUDSTACK_SECRET_KEY \} is not among the variables partner westside-it may use \(ACME_\*\)/);
      const operator = netfirst('apply', 'specs', '--auto-approve');
      expect(operator.code).toBe(1);
      expect(operator.stderr).toMatch(/acme-dental\.yaml:32:\d+: error: .*CLOUDSTACK_SECRET_KEY/);
    });
  });

  it('4: a missing and an existing variable get the same refusal (no oracle of the operator\'s environment)', () => {
    const messages = ['NOPE_NOT_SET', 'HOME'].map((name) => {
      let text = '';
      onBranch(`env-${name}`, () => edit('acme-dental.yaml', DR_LEE, `password: { env: ${name} }`), () => {
        const r = prPlan();
        expect(r.code).toBe(1);
        text = r.stderr.split(name).join('VAR');
      });
      return text;
    });
    expect(messages[0]).toBe(messages[1]);
  });

  it('3: no digest in the plan can be recomputed from the lineage the plan prints', () => {
    onBranch('digest', () => edit('acme-dental.yaml', 'name: dr-lee', 'name: dr-lea'), () => {
      const r = asPartner('plan', 'specs', '--json');
      expect(r.code, r.stderr).toBe(0);
      const plan = JSON.parse(r.stdout) as { lineage: string };
      const password = readFileSync(file('secrets/westside-it/acme-dr-lee-password'), 'utf8').replace(/\r?\n$/, '');
      const oracle = createHmac('sha256', plan.lineage).update(password).digest('hex');
      expect(r.stdout).toMatch(/hmac-sha256:/);
      expect(r.stdout).not.toContain(oracle);
    });
  });

  it('12: a saved plan edited to delete another partner\'s resources is refused, and nothing is destroyed', () => {
    onBranch('saved', () => edit('acme-dental.yaml', PMS_CPU, pmsCpu(6)), () => {
      const out = join(root, 'p.json');
      const saved = asPartner('plan', 'specs', '--out', '../p.json');
      expect(saved.code, saved.stderr).toBe(0);
      const plan = JSON.parse(readFileSync(out, 'utf8')) as { changes: Record<string, unknown>[] };
      plan.changes.push({ address: 'baker-law/vm/docs-1', type: 'vm', tenant: 'acme-dental', action: 'delete', after: null, requiresReplace: [], reason: 'not in spec' });
      writeFileSync(out, JSON.stringify(plan));
      const r = netfirst('apply', '../p.json', '--partner', 'westside-it');
      refused(r, /was not produced by netfirst or was edited: refused/, { mayName: [] });
      rmSync(out, { force: true });
    });
  });

  it('13: a saved plan edited so an update takes over another partner\'s VM (movedFrom) is refused, and state keeps one record per provider id', () => {
    onBranch('moved', () => edit('acme-dental.yaml', PMS_CPU, pmsCpu(6)), () => {
      const out = join(root, 'p13.json');
      const saved = asPartner('plan', 'specs', '--out', '../p13.json');
      expect(saved.code, saved.stderr).toBe(0);
      const plan = JSON.parse(readFileSync(out, 'utf8')) as { changes: Record<string, unknown>[] };
      const update = plan.changes.find((c) => c.action === 'update')!;
      update.movedFrom = 'baker-law/vm/mail-1';
      writeFileSync(out, JSON.stringify(plan));
      refused(netfirst('apply', '../p13.json', '--partner', 'westside-it'), /was not produced by netfirst or was edited: refused/);
      rmSync(out, { force: true });
    });
  });

  it('validate --partner --changed-since judges the change too (the pipeline\'s first step)', () => {
    onBranch('validate', () => edit('baker-law.yaml', 'cpu: 4', 'cpu: 8'), () => {
      refused(asPartner('validate', 'specs'), /specs\/baker-law\.yaml:\d+:1: error: partner westside-it may change only the files/, { mayName: ['baker-law.yaml'] });
    });
  });

  it('9: quotas come from the base: raising its own cpu quota in the branch does not let it grow past the base\'s', () => {
    onBranch('quota', () => {
      edit('acme-dental.yaml', PMS_CPU, pmsCpu(60));
    }, () => {
      const r = prPlan();
      refused(r, /partner westside-it would use \d+ vCPU of its quota of 64/);
    });
  });

  it('14: a Partners document outside partners.yaml defines nobody (destroy and state list as its partner are refused)', () => {
    onBranch('partners-doc', () => writeFileSync(file('acme-t.yaml'), 'apiVersion: netfirst/v1\nkind: Partners\nmetadata: { name: mine }\nspec:\n  partners:\n    - { name: evil, tenants: [ "b*", "c*" ], zones: [ iswest-1 ] }\n    - { name: lexcore, tenants: [ "acme-*" ] }\n'), () => {
      const destroy = netfirst('destroy', 'specs', '--partner', 'evil', '--tenant', 'cole-accounting', '--auto-approve');
      expect(destroy.code).toBe(1);
      expect(destroy.stderr).toMatch(/partner evil|no partner/);
      expect(world()).toBe(before);
      const list = netfirst('state', 'list', '--partner', 'evil', '--specs', 'specs');
      expect(list.code).toBe(1);
      expect(list.stdout).not.toContain('baker-law');
      // lexcore's own pipeline is not blocked by a second "lexcore" elsewhere.
      const lexcore = netfirst('plan', 'specs', '--partner', 'lexcore');
      expect(lexcore.code, lexcore.stdout + lexcore.stderr).toBe(0);
      expect(lexcore.stdout).toMatch(/No changes/);
    });
  });

  it('15: without --changed-since too, a partner\'s file may hold only its own tenants', () => {
    onBranch('freeride', () => appendFileSync(file('acme-dental.yaml'), '---\napiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: zz-freeride }\nspec: { zone: iswest-1 }\n'), () => {
      const r = netfirst('plan', 'specs', '--partner', 'westside-it');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/acme-dental\.yaml:\d+:\d+: error: metadata\.name: tenant zz-freeride is in a file of partner westside-it's tenants, but partner westside-it does not manage it/);
    });
  });

  it('a Zone or Partners document outside the operator\'s files is an error for everyone, at its line', () => {
    onBranch('misplaced', () => appendFileSync(file('acme-dental.yaml'), '---\napiVersion: netfirst/v1\nkind: Partners\nmetadata: { name: p2 }\nspec: { partners: [] }\n'), () => {
      const r = netfirst('validate', 'specs');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/specs\/acme-dental\.yaml:\d+:\d+: error: kind: a Partners document is the operator's and is read only from partners\.yaml at the top of a spec directory: this one is not used/);
    });
  });

  it('10 after a merge anyway: the operator\'s apply keeps the older tenant, reports the newer file, applies the rest, exits 1', () => {
    onBranch('merged-duplicate', () => {
      writeFileSync(file('acme-extra.yaml'), readFileSync(file('baker-law.yaml'), 'utf8').replace('cpu: 4', 'cpu: 8'));
      edit('acme-dental.yaml', PMS_CPU, pmsCpu(6));
    }, () => {
      const r = netfirst('apply', 'specs', '--auto-approve');
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/specs\/acme-extra\.yaml:\d+:\d+: error: metadata\.name: duplicate Tenant "baker-law": already defined at specs\/baker-law\.yaml/);
      expect(r.stdout).toMatch(/acme-dental\/vm\/pms-1 will be updated in place/);
      expect(r.stdout).not.toMatch(/baker-law\/.* will be/);
      expect(r.stdout).toMatch(/Apply complete!/);
      // Back to main's sizes for the next cases.
      git('reset', '--quiet', '--hard', 'main');
      const back = netfirst('apply', 'specs', '--auto-approve');
      expect(back.code, back.stdout + back.stderr).toBe(0);
      expect(world()).toBe(before);
    });
  });

  it('its own tenant document renamed to another partner\'s tenant, merged anyway: the name stays with the file that had it first', () => {
    onBranch('renamed', () => edit('acme-dental.yaml', 'name: acme-dental', 'name: baker-law'), () => {
      const r = netfirst('apply', 'specs', '--auto-approve');
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/specs\/acme-dental\.yaml:\d+:\d+: error: metadata\.name: duplicate Tenant "baker-law": already defined at specs\/baker-law\.yaml/);
      expect(r.stdout).not.toMatch(/will be (created|destroyed|updated|replaced)/);
      expect(world()).toBe(before);
    });
  });

  it('5 after a merge anyway: a tenant whose spec is broken is skipped, every other tenant is applied, exit 1', () => {
    onBranch('merged-broken', () => {
      edit('baker-law.yaml', 'cpu: 4', 'cpu: many');
      edit('acme-dental.yaml', PMS_CPU, pmsCpu(6));
    }, () => {
      const r = netfirst('apply', 'specs', '--auto-approve');
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/specs\/baker-law\.yaml:\d+:\d+: error: spec\.vms\[\d\]\.cpu/);
      expect(r.stderr).toMatch(/1 tenant skipped because of the errors above \(baker-law\)/);
      expect(r.stdout).toMatch(/Apply complete!/);
      expect(r.stdout).toMatch(/1 tenant was skipped for errors in its spec: baker-law/);
      const state = JSON.parse(netfirst('state', 'show', 'acme-dental/vm/pms-1', '--json').stdout) as { attributes: { cpu: number } };
      expect(state.attributes.cpu).toBe(6);
      git('reset', '--quiet', '--hard', 'main');
      expect(netfirst('apply', 'specs', '--auto-approve').code).toBe(0);
      expect(world()).toBe(before);
    });
  });

  it('a zone-wide error (the zone file broken) still stops the whole apply', () => {
    onBranch('broken-zone', () => edit('zone.yaml', 'apiVersion: netfirst/v1', 'apiVersion: netfirst/v9'), () => {
      const r = netfirst('apply', 'specs', '--auto-approve', '--prune');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/specs\/zone\.yaml:\d+:\d+: error/);
      expect(world()).toBe(before);
    });
  });

  /**
   * Property: whatever a partner's branch holds — its own edits, another's file edited or
   * deleted, files added under any name and kind, symbolic links — a partner run that
   * plans anything plans only resources of tenants the partner owns at the base.
   */
  it('property: no partner run plans a change to a tenant westside-it does not own at the base', () => {
    type Op = { readonly name: string; readonly apply: () => void; readonly hostile: boolean };
    const ops: readonly Op[] = [
      { name: 'own cpu', hostile: false, apply: () => edit('acme-dental.yaml', PMS_CPU, pmsCpu(5)) },
      { name: 'own disk', hostile: false, apply: () => edit('acme-dental.yaml', 'size: 250GiB', 'size: 300GiB') },
      { name: 'own secret file', hostile: false, apply: () => writeFileSync(file('secrets/westside-it/extra'), 'x\n') },
      { name: 'foreign edit', hostile: true, apply: () => edit('baker-law.yaml', 'cpu: 4', 'cpu: 2') },
      { name: 'foreign delete', hostile: true, apply: () => rmSync(file('cole-accounting.yaml'), { force: true }) },
      { name: 'foreign name in new file', hostile: true, apply: () => writeFileSync(file('new-a.yaml'), 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: cole-accounting, partner: westside-it }\nspec: { zone: iswest-1 }\n') },
      { name: 'zone doc', hostile: true, apply: () => writeFileSync(file('zone-b.yaml'), 'apiVersion: netfirst/v1\nkind: Zone\nmetadata: { name: iswest-1 }\nspec: { provider: { type: sim }, segments: { vlans: [ "100-999" ] } }\n') },
      { name: 'partners edit', hostile: true, apply: () => appendFileSync(file('partners.yaml'), '    - { name: extra, tenants: [ "x-*" ] }\n') },
      { name: 'symlink spec', hostile: true, apply: () => symlinkSync('baker-law.yaml', file('acme-link.yaml')) },
      { name: 'unowned tenant', hostile: true, apply: () => writeFileSync(file('acme-zz.yaml'), 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: zz-x }\nspec: { zone: iswest-1 }\n') },
    ];
    const owned = (address: string): boolean => address.startsWith('acme-');
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: ops.length - 1 }), { minLength: 1, maxLength: 4 }), (picked) => {
      onBranch('prop', () => { for (const i of picked) ops[i]!.apply(); }, () => {
        const r = asPartner('plan', 'specs', '--json');
        const hostile = picked.some((i) => ops[i]!.hostile);
        if (hostile) expect(r.code, picked.map((i) => ops[i]!.name).join(', ')).toBe(1);
        const plan = JSON.parse(r.stdout) as { changes: { address: string; action: string }[] };
        for (const c of plan.changes) if (c.action !== 'noop') expect(owned(c.address), `${c.address} planned by ${picked.map((i) => ops[i]!.name).join(', ')}`).toBe(true);
      });
    }), { numRuns: 8, seed: 15 });
    expect(world()).toBe(before);
  }, 120_000);
});
