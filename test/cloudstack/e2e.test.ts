/**
 * examples/iswest through the cloudstack provider, end to end through the CLI, against
 * `netfirst sim serve --cloudstack-api` started by the test on loopback (a child
 * process: the CLI runs under spawnSync, which blocks this process). The endpoint serves
 * the zone of an untouched copy of the example (provider `type: sim`); the sandbox's
 * zone points the cloudstack provider at it, with a page size of 3 on both sides so that
 * every list is paged.
 *
 * 1. Clean: apply creates all 41 resources, a refreshed plan says No changes, a CPU
 *    change is planned as stop → change → start and applied, destroy leaves nothing.
 * 2. Faults: injected 431/530/533 refusals and jobs that never finish. Each failing
 *    apply exits non-zero showing CloudStack's errortext (never a stack trace); reruns
 *    finish the rest; then No changes, the endpoint holds each object once, and destroy
 *    leaves nothing.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandbox, type Run, type Sandbox } from '../cli/harness.js';
import { endpointBugs, errortexts, holdings, startEndpoint, type EndpointProcess, type Held, type Holdings } from './endpoint-process.js';

const API_KEY = 'e2e-api-key-3f9c1d7a0b2e4c6d8e0f';
const SECRET_KEY = 'e2e-secret-key-Zm9vYmFyYmF6cXV4LXNlY3JldA';
const TENANTS = ['acme-dental', 'baker-law', 'cole-accounting'];
const RESOURCES = 41;
/** How many times a run may be repeated to get past injected faults. */
const MAX_RUNS = 8;

const SIM_PROVIDER = '  provider: { type: sim, latency: 5ms }';
const cloudstackProvider = (url: string): string => [
  '  provider:',
  '    type: cloudstack',
  `    endpoint: ${url}`,
  '    apiKey: { env: CLOUDSTACK_API_KEY }',
  '    secretKey: { env: CLOUDSTACK_SECRET_KEY }',
  '    pageSize: 3',
  '    jobTimeout: 2s',
].join('\n');

interface Setup {
  readonly sb: Sandbox;
  readonly endpoint: EndpointProcess;
}

/** A sandbox of examples/iswest whose zone is realized by a fresh endpoint with these flags. */
async function setUp(flags: readonly string[]): Promise<Setup> {
  const sb = sandbox('iswest', { CLOUDSTACK_API_KEY: API_KEY, CLOUDSTACK_SECRET_KEY: SECRET_KEY });
  try {
    // The endpoint serves the sim zone as the example describes it, from a copy the test never edits.
    const served = join(sb.dir, 'endpoint');
    mkdirSync(served);
    cpSync(join(sb.dir, 'iswest'), join(served, 'iswest'), { recursive: true });
    const endpoint = await startEndpoint({ specs: 'iswest', cwd: served, apiKey: API_KEY, secretKey: SECRET_KEY, flags, pageSize: 3 });
    sb.edit('iswest/zone.yaml', SIM_PROVIDER, cloudstackProvider(endpoint.url));
    return { sb, endpoint };
  } catch (error) {
    sb.remove();
    throw error;
  }
}

async function tearDown(setup: Setup | undefined): Promise<void> {
  try {
    if (setup) {
      expect(setup.endpoint.ended, 'sim serve ended before the test stopped it').toBeUndefined();
      await setup.endpoint.settle();
      expect(endpointBugs(setup.endpoint), 'the endpoint logged bugs of its own').toEqual([]);
    }
  } finally {
    try {
      await setup?.endpoint.stop();
    } finally {
      // NETFIRST_E2E_KEEP=1 keeps the sandbox (specs, state, the endpoint's request log) to look into.
      if (process.env['NETFIRST_E2E_KEEP']) console.log(`kept ${setup?.sb.dir}`);
      else setup?.sb.remove();
    }
  }
}

const output = (r: Run): string => `${r.stdout}${r.stderr}`;
const shown = (r: Run): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** A Node stack frame, or an uncaught error's header: what a user must never see. */
const STACK = /^\s+at .+(?::\d+:\d+\)?|\(native\))$|^(?:TypeError|ReferenceError|SyntaxError|RangeError|AssertionError)\b|node:internal/m;

interface StateEntry {
  readonly address: string;
  readonly type: string;
  readonly tenant: string;
  readonly providerId: string;
}

function stateList(sb: Sandbox): StateEntry[] {
  const r = sb.run('state', 'list', '--json');
  expect(r.code, shown(r)).toBe(0);
  return JSON.parse(r.stdout) as StateEntry[];
}

const ofType = (state: readonly StateEntry[], type: string): StateEntry[] => state.filter((e) => e.type === type);
const ids = (held: readonly Held[]): string[] => held.map((h) => h.id).sort();
const providerIds = (state: readonly StateEntry[], type: string): string[] => ofType(state, type).map((e) => e.providerId).sort();

/**
 * The endpoint holds exactly what state records — each object once, none left over — and
 * every tagged object is tagged with its own address.
 */
function expectHoldingsMatchState(h: Holdings, state: readonly StateEntry[]): void {
  expect(h.projects, 'one project per tenant').toEqual(TENANTS);
  expect(h.vpcs, 'one VPC per tenant').toEqual(TENANTS);
  // One CloudStack object per netfirst resource, the very one state names.
  expect(ids(h.networks), 'networks').toEqual(providerIds(state, 'network'));
  // A VPC comes with its source-NAT address: that one counts only when a public IP of the spec is realized by it.
  const recorded = new Set(state.map((e) => e.providerId));
  expect(ids(h.publicIps.filter((ip) => !ip.sourceNat || recorded.has(ip.id))), 'public IPs').toEqual(providerIds(state, 'public-ip'));
  expect(ids(h.portForwards), 'port-forwarding rules').toEqual(providerIds(state, 'port-forward'));
  expect(ids(h.vms), 'VMs').toEqual(providerIds(state, 'vm'));
  expect(ids(h.dataDisks), 'data disks').toEqual(providerIds(state, 'disk'));
  expect(h.staticNats.length, 'static NATs').toBe(ofType(state, 'static-nat').length);
  expect(h.vpnUsers.map((u) => u.address).sort(), 'VPN users').toEqual(ofType(state, 'vpn-user').map((e) => e.address.split('/').pop()).sort());
  // Firewall rules: one CloudStack rule per port, as firewall rules or as network ACL items.
  const ruleIds = ofType(state, 'firewall-rule').flatMap((e) => e.providerId.split(',')).sort();
  expect([...ids(h.firewallRules), ...ids(h.aclItems)].sort(), 'firewall rules / network ACL items').toEqual(ruleIds);
  // Site-to-site: one connection and one customer gateway per tunnel.
  const tunnels = ofType(state, 'vpn-connection');
  expect(h.vpnConnections.length, 'VPN connections').toBe(tunnels.length);
  expect(h.vpnCustomerGateways.length, 'VPN customer gateways').toBe(tunnels.length);
  // Each data disk is attached to its VM.
  const vmOf = new Map(ofType(state, 'vm').map((e) => [e.address, e.providerId]));
  const detached = ofType(state, 'disk')
    .filter((e) => h.dataDisks.find((d) => d.id === e.providerId)?.vm !== vmOf.get(e.address.replace(/\/disk\/[^/]+$/, '')))
    .map((e) => e.address);
  expect(detached, 'data disks not attached to their VM').toEqual([]);
  // Tags tie each object to its address (how an operator finds it, and what a bulk read keys on).
  const addressOf = new Map(state.map((e) => [e.providerId, e.address]));
  const tagged = [...h.networks, ...h.publicIps, ...h.portForwards, ...h.vms, ...h.dataDisks];
  const mistagged = tagged.filter((o) => o.address !== addressOf.get(o.id)).map((o) => `${addressOf.get(o.id) ?? `(not in state) ${o.id}`}: tagged ${o.address ?? 'nothing'}`);
  expect(mistagged, 'objects whose netfirst-address tag is not their address').toEqual([]);
}

/** Nothing of the tenants is left in the endpoint. */
function expectNothingHeld(h: Holdings): void {
  expect({
    networks: h.networks, publicIps: h.publicIps.filter((ip) => !ip.sourceNat), staticNats: h.staticNats, portForwards: h.portForwards, firewallRules: h.firewallRules,
    aclItems: h.aclItems, vpnCustomerGateways: h.vpnCustomerGateways, vpnConnections: h.vpnConnections, vpnUsers: h.vpnUsers, vms: h.vms, dataDisks: h.dataDisks,
  }).toEqual({
    networks: [], publicIps: [], staticNats: [], portForwards: [], firewallRules: [],
    aclItems: [], vpnCustomerGateways: [], vpnConnections: [], vpnUsers: [], vms: [], dataDisks: [],
  });
}

/**
 * baker-law protects its document server and its files: destroying them starts with
 * taking `protect: true` out of the spec, as the refusal says.
 */
function unprotect(sb: Sandbox): void {
  const file = 'iswest/baker-law.yaml';
  const text = sb.read(file);
  const lifted = text.replace(/^[ \t]*protect: true[ \t]*(#.*)?\n/m, '').replace(/, protect: true/g, '');
  expect(lifted).not.toContain('protect: true');
  sb.write(file, lifted);
}

/** The lines of a failed run's summary: `  ✗ ADDRESS: message`. */
const failures = (r: Run): Array<{ address: string; message: string }> =>
  [...r.stdout.matchAll(/^ {2}✗ (.+?): (.*)$/gm)].map((m) => ({ address: m[1]!, message: m[2]! }));

/** A job that outlived the zone's jobTimeout (2s): its outcome is left to the next run. */
const JOB_TIMEOUT = /CloudStack job \S+ did not finish within 2 ?s; it may still complete/;

/** What a failed resource must never say: a bug of the CLI or the provider rather than a reason. */
const INTERNAL = /TypeError|ReferenceError|Cannot read propert|is not a function|is not iterable|\bundefined\b|\[object Object\]/;

/**
 * Runs `command` until it exits 0, at most MAX_RUNS times. Each failing run must exit 1,
 * show no stack trace, and name what failed, each with a reason: the errortext CloudStack
 * (the endpoint) answered — word for word —, the job that did not finish in time, or the
 * provider's own explanation (e.g. what must go first), never an internal error.
 */
async function rerunUntilDone(setup: Setup, ...command: string[]): Promise<Run[]> {
  const runs: Run[] = [];
  for (let i = 0; i < MAX_RUNS; i++) {
    const r = setup.sb.run(...command);
    runs.push(r);
    await setup.endpoint.settle();
    expect(output(r), `run ${i + 1} of ${command.join(' ')} shows a stack trace`).not.toMatch(STACK);
    if (r.code === 0) break;
    expect(r.code, shown(r)).toBe(1);
    const failed = failures(r);
    expect(failed.length, `run ${i + 1} failed without naming what failed:\n${shown(r)}`).toBeGreaterThan(0);
    const texts = [...errortexts(setup.endpoint)];
    for (const f of failed) {
      expect(f.message, `run ${i + 1}: ${f.address}`).not.toMatch(INTERNAL);
      // An injected refusal is shown as CloudStack worded it.
      if (f.message.includes('(injected fault)')) expect(texts.some((text) => f.message.includes(text)), `run ${i + 1}: "${f.address}: ${f.message}" misquotes the errortext`).toBe(true);
      const explained = JOB_TIMEOUT.test(f.message) || texts.some((text) => f.message.includes(text));
      if (!explained) console.log(`${command[0]} run ${i + 1}: ${f.address}: ${f.message} (the provider's own words)`);
    }
  }
  return runs;
}

// ---------------------------------------------------------------------------------------

describe('cloudstack e2e: examples/iswest against sim serve --cloudstack-api (clean)', () => {
  let setup: Setup | undefined;
  const need = (): Setup => {
    if (!setup) throw new Error('the endpoint did not start');
    return setup;
  };

  beforeAll(async () => {
    setup = await setUp(['--page-size', '3', '--job-delay', '5ms']);
  }, 30_000);

  afterAll(async () => {
    const s = setup;
    setup = undefined;
    await tearDown(s);
  }, 15_000);

  it('applies all 41 resources, paging every list by 3', async () => {
    const { sb, endpoint } = need();
    const r = sb.run('apply', 'iswest', '--auto-approve');
    expect(output(r)).not.toMatch(STACK);
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout).toContain(`Apply complete! Resources: ${RESOURCES} added, 0 changed, 0 replaced, 0 destroyed`);
    // The provider asked for pages of 3 and walked past the first one (checked before the test lists anything itself).
    await endpoint.settle();
    expect(endpoint.log.some((l) => /^(GET|POST) list\w+ 200 .*\bpage=2\b.*\bpagesize=3\b/.test(l)), 'no list request went past page 1').toBe(true);
    const state = stateList(sb);
    expect(state).toHaveLength(RESOURCES);
    expectHoldingsMatchState(await holdings(endpoint), state);
  }, 60_000);

  it('reads everything back: plan --refresh says No changes', () => {
    const { sb } = need();
    const r = sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode');
    expect(output(r)).not.toMatch(STACK);
    expect(r.stdout, shown(r)).toContain('No changes.');
    expect(r.code, shown(r)).toBe(0);
  }, 30_000);

  it('plans a CPU change as stop → change → start, and applies it', async () => {
    const { sb, endpoint } = need();
    sb.edit('iswest/acme-dental.yaml', 'cpu: 4\n      memory: 8GiB', 'cpu: 6\n      memory: 8GiB');
    const plan = sb.run('plan', 'iswest', '--detailed-exitcode');
    expect(plan.code, shown(plan)).toBe(2);
    expect(plan.stdout).toContain('acme-dental/vm/pms-1');
    expect(plan.stdout).toContain('CloudStack changes the service offering of a stopped VM: stop → change → start');

    const r = sb.run('apply', 'iswest', '--auto-approve');
    expect(output(r)).not.toMatch(STACK);
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout).toContain('Resources: 0 added, 1 changed, 0 replaced, 0 destroyed');
    const pms = stateList(sb).find((e) => e.address === 'acme-dental/vm/pms-1')!;
    await endpoint.settle();
    const [vm] = await endpoint.list('listVirtualMachines', 'virtualmachine', { projectid: -1, id: pms.providerId });
    expect(vm?.['cpunumber']).toBe(6);
    expect(vm?.['state']).toBe('Running');
    for (const step of ['stopVirtualMachine', 'changeServiceForVirtualMachine', 'startVirtualMachine']) {
      expect(endpoint.log.some((l) => l.includes(` ${step} 200 `) && l.includes(pms.providerId)), `${step} was not called`).toBe(true);
    }

    const again = sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode');
    expect(again.stdout, shown(again)).toContain('No changes.');
    expect(again.code, shown(again)).toBe(0);
  }, 60_000);

  it('destroys everything once the protection is lifted', async () => {
    const { sb, endpoint } = need();
    unprotect(sb);
    const r = sb.run('destroy', 'iswest', '--auto-approve');
    expect(output(r)).not.toMatch(STACK);
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout).toContain(`Destroy complete! Resources: 0 added, 0 changed, 0 replaced, ${RESOURCES} destroyed`);
    expect(stateList(sb)).toEqual([]);
    expectNothingHeld(await holdings(endpoint));
  }, 60_000);

  it('leaves no project or VPC of the destroyed tenants behind', async () => {
    const h = await holdings(need().endpoint);
    expect({ projects: h.projects, vpcs: h.vpcs }).toEqual({ projects: [], vpcs: [] });
  }, 15_000);
});

describe('cloudstack e2e: examples/iswest against sim serve --cloudstack-api (injected 431/530/533 and job timeouts)', () => {
  let setup: Setup | undefined;
  const need = (): Setup => {
    if (!setup) throw new Error('the endpoint did not start');
    return setup;
  };

  beforeAll(async () => {
    setup = await setUp([
      '--page-size', '3', '--job-delay', '5ms',
      '--fault-rate', '0.15', '--fault-seed', '7', '--fault-codes', '431,530,533', '--job-timeout-rate', '0.05',
    ]);
  }, 30_000);

  afterAll(async () => {
    const s = setup;
    setup = undefined;
    await tearDown(s);
  }, 15_000);

  it('applies in a few runs, each failure explained by CloudStack\'s errortext', async () => {
    const s = need();
    const runs = await rerunUntilDone(s, 'apply', 'iswest', '--auto-approve');
    const last = runs.at(-1)!;
    expect(last.code, `still failing after ${runs.length} runs:\n${shown(last)}`).toBe(0);
    // The faults did happen, and a failed run showed CloudStack's errortext for them.
    expect(s.endpoint.log.join('\n')).toMatch(/\(injected fault\)/);
    expect(runs.flatMap(failures).some((f) => f.message.includes('(injected fault)')), 'no run showed an injected errortext').toBe(true);
    console.log(`cloudstack e2e with faults: apply took ${runs.length} run(s); ${runs.reduce((n, r) => n + failures(r).length, 0)} resource failure(s) on the way`);
  }, 120_000);

  it('then plans No changes, also after reading everything back', () => {
    const { sb } = need();
    for (const refresh of [['--refresh=false'], ['--refresh']]) {
      const r = sb.run('plan', 'iswest', ...refresh, '--detailed-exitcode');
      expect(output(r)).not.toMatch(STACK);
      expect(r.stdout, shown(r)).toContain('No changes.');
      expect(r.code, shown(r)).toBe(0);
    }
  }, 30_000);

  it('created nothing twice: the endpoint holds each resource once, the one state records', async () => {
    const { sb, endpoint } = need();
    const state = stateList(sb);
    expect(state).toHaveLength(RESOURCES);
    expectHoldingsMatchState(await holdings(endpoint), state);
  }, 15_000);

  it('destroys everything, in a few runs', async () => {
    const s = need();
    unprotect(s.sb);
    const runs = await rerunUntilDone(s, 'destroy', 'iswest', '--auto-approve');
    const last = runs.at(-1)!;
    expect(last.code, `still failing after ${runs.length} runs:\n${shown(last)}`).toBe(0);
    expect(stateList(s.sb)).toEqual([]);
    expectNothingHeld(await holdings(s.endpoint));
  }, 120_000);
});
