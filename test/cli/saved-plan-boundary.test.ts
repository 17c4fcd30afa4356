/**
 * A saved plan is a proposal, not an authority (issue 15, item 6; hostile cases 12 and
 * 13). A partner makes a normal `plan --partner westside-it --out p.json`, edits the
 * JSON and applies it: the seal refuses any edit. Then, as defence in depth, the same
 * edits re-sealed with the state's own key (an attacker who could also read the state
 * database): each is still refused, by its own precise check or by planning again.
 * Every refusal exits 1 and leaves the state, the sim's world and the lock as they were.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealPlan } from '../../engine/plan/seal.js';
import { sandbox, type Run, type Sandbox } from './harness.js';

const DENTAL = 'iswest/acme-dental.yaml';

interface PlanChange {
  address: string;
  type: string;
  tenant: string;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requiresReplace: string[];
  movedFrom?: string;
  reason: string | null;
}
interface PlanJson {
  changes: PlanChange[];
  resources: Record<string, Record<string, unknown>>;
  zones: Record<string, Record<string, unknown>>;
  selection: { tenants?: string[] };
  drift?: unknown[];
  seal?: string;
  [key: string]: unknown;
}

/** Everything an apply could touch: the recorded state and what really exists in the sim's zone. */
function world(sb: Sandbox): string {
  const state = sb.run('state', 'list', '--json');
  const inventory = sb.run('zone', 'inventory', 'iswest-1', 'iswest', '--json');
  expect(state.code).toBe(0);
  expect(inventory.code).toBe(0);
  return state.stdout + inventory.stdout;
}

function stateKey(sb: Sandbox): Buffer {
  const db = new Database(join(sb.dir, '.netfirst', 'state.db'), { readonly: true });
  try {
    return Buffer.from((db.prepare("SELECT value FROM meta WHERE key = 'secret_key'").get() as { value: string }).value, 'hex');
  } finally {
    db.close();
  }
}

/** A delete as planning writes one, for a resource the state records. */
function deleteOf(sb: Sandbox, address: string, tenant?: string): PlanChange {
  const r = JSON.parse(sb.run('state', 'show', address, '--json').stdout) as { type: string; tenant: string; attributes: Record<string, unknown> };
  return { address, type: r.type, tenant: tenant ?? r.tenant, action: 'delete', before: r.attributes, after: null, requiresReplace: [], reason: 'not in spec' };
}

type Seal = 'as made' | 'removed' | 'wrong key' | "state's key";

function write(sb: Sandbox, file: string, plan: PlanJson, seal: Seal): void {
  const { seal: _, ...content } = plan;
  const sealed = seal === 'as made' ? plan
    : seal === 'removed' ? content
    : sealPlan(content, seal === 'wrong key' ? randomBytes(32) : stateKey(sb));
  sb.write(file, JSON.stringify(sealed, null, 2));
}

function refused(r: Run, ...want: (string | RegExp)[]): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  for (const w of want) expect(r.stderr).toMatch(w);
  expect(r.stdout).not.toContain('complete');
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('apply PLANFILE: an edited plan is refused', () => {
  let sb: Sandbox;
  let made: PlanJson;
  let before: string;
  beforeAll(() => {
    sb = sandbox();
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    sb.edit(DENTAL, /memory: 8GiB/, 'memory: 10GiB');
    const planned = sb.run('plan', 'iswest', '--partner', 'westside-it', '--out', 'p.json');
    expect(planned.code, planned.stderr).toBe(0);
    made = JSON.parse(sb.read('p.json')) as PlanJson;
    before = world(sb);
  });
  afterAll(() => sb.remove());

  const edited = (edit: (plan: PlanJson) => void): PlanJson => {
    const plan = structuredClone(made);
    edit(plan);
    return plan;
  };
  const addDeletes = (plan: PlanJson): void => {
    plan.changes.push(
      deleteOf(sb, 'baker-law/vm/docs-1', 'acme-dental'), // protect: true in baker-law.yaml
      deleteOf(sb, 'baker-law/vm/docs-1/disk/files', 'acme-dental'),
      deleteOf(sb, 'cole-accounting/vm/ledger-1', 'acme-dental'), // its disks left out
    );
  };
  const moveFromBaker = (plan: PlanJson): void => {
    const pms = plan.changes.find((c) => c.address === 'acme-dental/vm/pms-1')!;
    pms.movedFrom = 'baker-law/vm/mail-1';
  };

  it.each<{ reason: string; edit: (plan: PlanJson) => void; seal: Seal; want: (string | RegExp)[] }>([
    {
      reason: 'case 12: deletes of other partners\' resources under its own tenant name',
      edit: addDeletes, seal: 'as made',
      want: ['p.json was not produced by netfirst or was edited: refused'],
    },
    {
      reason: 'case 13: an update that claims another tenant\'s VM',
      edit: moveFromBaker, seal: 'as made',
      want: ['p.json was not produced by netfirst or was edited: refused'],
    },
    {
      reason: 'the seal removed',
      edit: () => undefined, seal: 'removed',
      want: ['p.json was not produced by netfirst or was edited: refused'],
    },
    {
      reason: 'sealed again with a key that is not the state\'s',
      edit: addDeletes, seal: 'wrong key',
      want: ['p.json was not produced by netfirst or was edited: refused'],
    },
    {
      reason: 'case 12 sealed with the state\'s key: owner from the address, protection from state, dependents along',
      edit: addDeletes, seal: "state's key",
      want: [
        'p.json proposes what no plan may:',
        "baker-law/vm/docs-1: its tenant field says acme-dental, but the address is tenant baker-law's",
        'baker-law/vm/docs-1: partner westside-it does not manage tenant baker-law',
        "cole-accounting/vm/ledger-1: its tenant field says acme-dental, but the address is tenant cole-accounting's",
        'cole-accounting/vm/ledger-1: partner westside-it does not manage tenant cole-accounting',
        'baker-law/vm/docs-1 is protected: the plan would delete it',
        'baker-law/vm/docs-1/disk/files is protected: the plan would delete it',
        'cole-accounting/vm/ledger-1: deleted, but cole-accounting/vm/ledger-1/disk/archive depends on it and would be left orphaned',
        'cole-accounting/vm/ledger-1: deleted, but cole-accounting/vm/ledger-1/disk/db depends on it and would be left orphaned',
        'refused, nothing was changed',
      ],
    },
    {
      reason: 'case 13 sealed with the state\'s key: a move only within one tenant, never onto a recorded address',
      edit: moveFromBaker, seal: "state's key",
      want: [
        "acme-dental/vm/pms-1: moved from baker-law/vm/mail-1, another tenant's address: a resource moves only within its tenant",
        'acme-dental/vm/pms-1: moved onto an address state already holds',
      ],
    },
    {
      reason: 'a move onto a new address, from another tenant\'s VM',
      edit: (plan) => {
        const pms = plan.changes.find((c) => c.address === 'acme-dental/vm/pms-1')!;
        plan.changes.push({ ...pms, address: 'acme-dental/vm/mail-1', movedFrom: 'baker-law/vm/mail-1' });
        plan.resources['acme-dental/vm/mail-1'] = plan.resources['acme-dental/vm/pms-1']!;
      },
      seal: "state's key",
      want: ["acme-dental/vm/mail-1: moved from baker-law/vm/mail-1, another tenant's address: a resource moves only within its tenant"],
    },
    {
      reason: 'a move within its own tenant onto a recorded VM (two records, one provider object)',
      edit: (plan) => {
        plan.changes.find((c) => c.address === 'acme-dental/vm/pms-1')!.movedFrom = 'acme-dental/vm/imaging-1';
      },
      seal: "state's key",
      want: ['acme-dental/vm/pms-1: moved onto an address state already holds'],
    },
    {
      reason: 'deletes within its own tenant, complete and unprotected, that planning does not give',
      edit: (plan) => {
        // In place of their noops: a plan holds one change per address.
        plan.changes = plan.changes.filter((c) => !c.address.startsWith('acme-dental/vm/backup-1'));
        plan.changes.push(deleteOf(sb, 'acme-dental/vm/backup-1'), deleteOf(sb, 'acme-dental/vm/backup-1/disk/vault'));
      },
      seal: "state's key",
      want: ['p.json is not what planning its specs against this state gives (it proposes to delete acme-dental/vm/backup-1 where planning gives noop): refused'],
    },
    {
      reason: 'an attribute of the planned change',
      edit: (plan) => {
        plan.changes.find((c) => c.address === 'acme-dental/vm/pms-1')!.after!.memoryMiB = 65536;
      },
      seal: "state's key",
      want: ['(its change to acme-dental/vm/pms-1 differs at after.memoryMiB (planning gives 10240)): refused'],
    },
    {
      reason: 'the zone the provider is made from',
      edit: (plan) => {
        (plan.zones['iswest-1']!.provider as Record<string, unknown>).type = 'cloudstack';
      },
      seal: "state's key",
      want: ['(it differs at zones.iswest-1.provider.type (planning gives "sim")): refused'],
    },
    {
      reason: 'drift it never saw, on another partner\'s resource',
      edit: (plan) => {
        plan.drift = [{ address: 'baker-law/vm/mail-1', type: 'vm', kind: 'deleted', before: JSON.parse(sb.run('state', 'show', 'baker-law/vm/mail-1', '--json').stdout).attributes, observed: null, changed: [] }];
      },
      seal: "state's key",
      want: ['drift of baker-law/vm/mail-1: partner westside-it does not manage tenant baker-law'],
    },
    {
      reason: 'its selection widened to another partner\'s tenant',
      edit: (plan) => {
        plan.selection.tenants = ['acme-dental', 'baker-law'];
      },
      seal: "state's key",
      want: ['the plan was made for tenant baker-law: partner westside-it does not manage it'],
    },
  ])('$reason', ({ edit, seal, want }) => {
    write(sb, 'edited.json', edited(edit), seal);
    refused(sb.run('apply', 'edited.json', '--partner', 'westside-it'), ...want.map((w) => (typeof w === 'string' ? w.replaceAll('p.json', 'edited.json') : w)));
    expect(world(sb)).toBe(before);
  });

  it('the operator applying an edited partner plan is refused the same way', () => {
    write(sb, 'edited.json', edited(addDeletes), "state's key");
    refused(sb.run('apply', 'edited.json'), 'baker-law/vm/docs-1 is protected: the plan would delete it');
    expect(world(sb)).toBe(before);
  });

  it('a plan whose secret file changed since planning is refused', () => {
    const psk = /preSharedKey: \{ file: ([^ }]+) \}/.exec(sb.read(DENTAL))![1]!;
    const file = join(dirname(DENTAL), psk);
    const was = sb.read(file);
    sb.write(file, 'a-new-pre-shared-key\n');
    try {
      refused(sb.run('apply', 'p.json', '--partner', 'westside-it'),
        /p\.json is not what planning its specs against this state gives \(it leaves acme-dental\/vpn\/hq as it is where planning gives update\): refused\. If a secret it reads changed since, plan again\./);
    } finally {
      sb.write(file, was);
    }
    expect(world(sb)).toBe(before);
  });

  it('plan --json prints the same sealed plan, byte for byte', () => {
    const printed = sb.run('plan', 'iswest', '--partner', 'westside-it', '--json');
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(sb.read('p.json'));
    expect(made.seal).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
  });

  it('the unedited plan, byte for byte, still applies — once (no refusal left a lock behind)', () => {
    expect(sb.run('state', 'lock').stdout).toContain('The state is not locked.');
    const r = sb.run('apply', 'p.json', '--partner', 'westside-it');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Apply complete! Resources: 0 added, 1 changed, 0 replaced, 0 destroyed');
    refused(sb.run('apply', 'p.json', '--partner', 'westside-it'), /p\.json is stale: the state moved from serial \d+ to \d+/);
  });
});

describe('apply PLANFILE of a plan made with --refresh', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = sandbox();
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
  });
  afterAll(() => sb.remove());

  it('plans again against the drift it recorded, and corrects it', () => {
    const sim = new Database(join(sb.dir, '.netfirst', 'sim-iswest-1.db'));
    sim.prepare("UPDATE objects SET attributes = json_set(attributes, '$.memoryMiB', 16384) WHERE address = 'acme-dental/vm/pms-1'").run();
    sim.close();
    expect(sb.run('plan', 'iswest', '--refresh', '--out', 'r.json').code).toBe(0);
    const plan = JSON.parse(sb.read('r.json')) as PlanJson;
    expect(plan.drift).toHaveLength(1);
    const r = sb.run('apply', 'r.json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('1 changed');
    expect(sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode').code).toBe(0);
  });
});

const gitMissing = spawnSync('git', ['--version']).error !== undefined;

describe.skipIf(gitMissing)('apply PLANFILE of a partner\'s pull-request plan (--changed-since)', () => {
  let sb: Sandbox;
  const git = (...args: string[]): void => {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.net', '-c', 'init.defaultBranch=main', ...args], {
      cwd: sb.dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
  };
  beforeAll(() => {
    sb = sandbox();
    sb.write('.gitignore', '.netfirst/\n*.json\n');
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'main');
    expect(sb.run('apply', 'iswest', '--auto-approve').code).toBe(0);
    git('checkout', '-qb', 'westside/more-memory');
    sb.edit(DENTAL, /memory: 8GiB/, 'memory: 10GiB');
    git('commit', '-qam', 'more memory');
  });
  afterAll(() => sb.remove());

  it('is planned again the way it was made (operator documents from the merge base) and applies', () => {
    const planned = sb.run('plan', 'iswest', '--partner', 'westside-it', '--changed-since', 'main', '--out', 'pr.json');
    expect(planned.code, planned.stderr).toBe(0);
    expect((JSON.parse(sb.read('pr.json')) as { selection: { changedSince?: string } }).selection.changedSince).toMatch(/^[0-9a-f]{40}$/);
    const r = sb.run('apply', 'pr.json', '--partner', 'westside-it');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 added, 1 changed, 0 replaced, 0 destroyed');
  });
});
