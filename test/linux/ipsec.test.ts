/**
 * A real IPsec tunnel between two namespaces (see fixtures/ipsec/world.ts): the tenant
 * router's charon, driven through the provider's API, and an "HQ" gateway's charon with
 * the mirrored config. Needs root, `ip netns`, strongSwan's charon, tcpdump and socat.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commandLine, ip, ipJson, run } from '../../providers/linux/exec.js';
import { instancePaths } from '../../providers/linux/ipsec-charon.js';
import { isSection, withVici, type ViciSection } from '../../providers/linux/ipsec-vici.js';
import {
  CHARON_PATH,
  ensureCharon,
  listSas,
  loadTunnel,
  stopCharon,
  TUN_DEVICE,
  tunnelState,
  unloadTunnel,
  type CharonInstance,
  type IpsecPolicy,
  type TunnelConfig,
} from '../../providers/linux/ipsec.js';
import { buildWorld, destroyWorld, namespacesOf, worldNames, type World } from './fixtures/ipsec/world.js';

const PSK = 'Tr0ub4dor&3-not-in-any-log';
const ROTATED_PSK = 'rotated: correct horse battery staple';
const PREFIX = `nft-${process.pid}`;

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync(CHARON_PATH)) return `${CHARON_PATH} is missing (apt-get install strongswan-charon libcharon-extra-plugins)`;
  if (spawnSync('ip', ['netns', 'list']).status !== 0) return '`ip netns` is unavailable';
  for (const [tool, flag] of [['tcpdump', '--version'], ['socat', '-V'], ['nsenter', '--version'], ['unshare', '--version'], ['ping', '-V']] as const) {
    if (spawnSync(tool, [flag]).error !== undefined) return `${tool} is missing`;
  }
  return undefined;
}
const skip = skipReason();
if (skip !== undefined) console.warn(`skipping the IPsec namespace tests: ${skip}`);

/** The spec's policy: IKE aes256/sha256/group 14/8h, ESP aes256/sha256/PFS 14/1h. */
const SPEC_IKE: IpsecPolicy<14> = { encryption: 'aes256', hash: 'sha256', group: 14, lifetimeSeconds: 8 * 3600 };
const SPEC_ESP: IpsecPolicy = { encryption: 'aes256', hash: 'sha256', group: 14, lifetimeSeconds: 3600 };

/** The router's side, as the linux provider would load it. */
function routerTunnel(over: Partial<TunnelConfig> = {}): TunnelConfig {
  return {
    name: 'hq', localAddress: '203.0.113.10', peer: '198.51.100.20', localCidrs: ['10.20.0.0/24'], peerCidrs: ['192.168.1.0/24'],
    ike: SPEC_IKE, esp: SPEC_ESP, psk: PSK, dpd: true, ...over,
  };
}

/** The same tunnel seen from HQ. */
function mirrored(t: TunnelConfig, name: string): TunnelConfig {
  return { ...t, name, localAddress: t.peer, peer: t.localAddress, localCidrs: t.peerCidrs, peerCidrs: t.localCidrs };
}

async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await condition()) return Date.now() - started;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
}

const established = (i: CharonInstance, name: string) => async () => (await tunnelState(i, name)).established;

/**
 * Waits for an established IKE_SA of a connection with an installed CHILD_SA that
 * satisfies `wanted`, and returns it. Both sides initiate, so a connection may briefly
 * have two IKE_SAs, one of which charon then deletes: never assume there is one.
 */
async function waitForSa(i: CharonInstance, name: string, what: string, wanted: (sa: ViciSection) => boolean = () => true): Promise<ViciSection> {
  let found: ViciSection | undefined;
  await waitUntil(what, async () => {
    const sas = await withVici(instancePaths(i).socket, (vici) => listSas(vici, name));
    found = sas.find((sa) => sa['state'] === 'ESTABLISHED' && childSas(sa).some((c) => c['state'] === 'INSTALLED') && wanted(sa));
    return found !== undefined;
  });
  return found!;
}

function childSas(sa: ViciSection): ViciSection[] {
  const children = sa['child-sas'];
  return isSection(children) ? Object.values(children).filter(isSection) : [];
}

const ping = (netns: string, target: string) => run('ping', ['-c', '3', '-i', '0.2', '-W', '2', target], { netns });

describe.skipIf(skip !== undefined)('a real IPsec tunnel from a tenant router namespace', () => {
  let world: World;
  let dir: string;
  let router: CharonInstance;
  let hq: CharonInstance;
  const children: ChildProcess[] = [];

  /** A long-running command in a namespace, killed in afterAll if a test leaves it running. */
  function background(netns: string, file: string, args: string[]): ChildProcess {
    const argv = commandLine(file, args, netns);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    world = worldNames(PREFIX);
    dir = await mkdtemp(join(tmpdir(), 'nft-ipsec-'));
    router = { netns: world.router, dir: join(dir, 'router') };
    hq = { netns: world.hq, dir: join(dir, 'hq') };
    await buildWorld(PREFIX);
    await Promise.all([ensureCharon(router), ensureCharon(hq)]);
  });

  /** A failing test shows what charon said; the logs hold no secrets (asserted below). */
  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => {
      for (const i of [router, hq]) {
        const log = await readFile(instancePaths(i).log, 'utf8').catch(() => '(no log)');
        console.warn(`--- ${i.netns} charon.log (last 40 lines)\n${log.split('\n').slice(-40).join('\n')}`);
      }
    });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
    if (router !== undefined) await stopCharon(router).catch((e: unknown) => console.warn('stopping the router charon:', e));
    if (hq !== undefined) await stopCharon(hq).catch((e: unknown) => console.warn('stopping the HQ charon:', e));
    await destroyWorld(PREFIX);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('runs two charons side by side, each with its own socket and pid file, and ensureCharon is idempotent', async () => {
    const pids = await Promise.all([router, hq].map(async (i) => (await readFile(instancePaths(i).pid, 'utf8')).trim()));
    expect(pids[0]).not.toBe(pids[1]);
    await ensureCharon(router);
    expect((await readFile(instancePaths(router).pid, 'utf8')).trim()).toBe(pids[0]);
    const hostPidFile = await readFile('/run/charon.pid', 'utf8').then((text) => text.trim(), () => undefined);
    expect(pids).not.toContain(hostPidFile);
    const links = await ipJson<{ ifname: string }>(['link', 'show', 'dev', TUN_DEVICE], router.netns);
    expect(links.map((l) => l.ifname)).toEqual([TUN_DEVICE]);
  });

  it('establishes the tunnel with the spec policy, UDP-encapsulated, and routes the peer CIDRs via the TUN device', async () => {
    const started = Date.now();
    await loadTunnel(router, routerTunnel());
    await loadTunnel(hq, mirrored(routerTunnel(), 'office'));
    await waitUntil('both sides are established', async () => (await established(router, 'hq')()) && (await established(hq, 'office')()));
    console.info(`IPsec tunnel established ${Date.now() - started} ms after loadTunnel`);

    const sa = await waitForSa(router, 'hq', 'the router lists the SA');
    expect(sa).toMatchObject({ 'encr-alg': 'AES_CBC', 'encr-keysize': '256', 'integ-alg': 'HMAC_SHA2_256_128', 'prf-alg': 'PRF_HMAC_SHA2_256', 'dh-group': 'MODP_2048', 'local-host': '203.0.113.10', 'remote-host': '198.51.100.20' });
    expect(Number(sa['rekey-time'])).toBeLessThanOrEqual(25_920);
    const child = childSas(sa).find((c) => c['state'] === 'INSTALLED');
    expect(child).toMatchObject({ encap: 'yes', 'encr-alg': 'AES_CBC', 'encr-keysize': '256', 'integ-alg': 'HMAC_SHA2_256_128', 'local-ts': ['10.20.0.0/24'], 'remote-ts': ['192.168.1.0/24'] });
    expect(Number(child?.['life-time'])).toBeLessThanOrEqual(3600);

    const routes = await ipJson<{ dst: string; dev: string }>(['route', 'show', 'table', '220'], router.netns);
    expect(routes).toContainEqual(expect.objectContaining({ dst: '192.168.1.0/24', dev: TUN_DEVICE }));
  });

  it('rekeys the CHILD_SA with PFS group 14', async () => {
    await withVici(instancePaths(router).socket, (vici) => vici.request('rekey', { child: 'hq' }));
    await waitForSa(router, 'hq', 'a CHILD_SA rekeyed with a DH group is installed', (sa) => childSas(sa).some((c) => c['state'] === 'INSTALLED' && c['dh-group'] === 'MODP_2048'));
  });

  it('carries ping both ways between the office VM and the HQ host', async () => {
    await ping(world.hqHost, '10.20.0.10');
    await ping(world.office, '192.168.1.10');
  });

  it('carries a TCP conversation', async () => {
    background(world.office, 'socat', ['TCP-LISTEN:7777,reuseaddr,fork', 'PIPE']);
    let echoed = '';
    await waitUntil('the echo server answers through the tunnel', async () => {
      echoed = await run('socat', ['-t', '2', '-', 'TCP:10.20.0.10:7777,connect-timeout=2'], { netns: world.hqHost, input: 'hello through the tunnel\n' }).catch(() => '');
      return echoed !== '';
    }, 10_000);
    expect(echoed).toBe('hello through the tunnel\n');
  });

  it('shows only ESP-in-UDP on the uplink, never the inner traffic', async () => {
    const capture = background(world.uplink, 'tcpdump', ['-n', '-l', '-i', 'br0']);
    let text = '';
    let errors = '';
    capture.stdout?.on('data', (chunk: Buffer) => { text += chunk.toString(); });
    capture.stderr?.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
    await waitUntil('tcpdump listens', async () => errors.includes('listening on'), 10_000);
    await ping(world.hqHost, '10.20.0.10');
    await ping(world.office, '192.168.1.10');
    await sleep(300);
    const exited = new Promise((resolve) => capture.once('exit', resolve));
    capture.kill('SIGINT');
    await exited;

    const lines = text.split('\n').filter((l) => l !== '');
    expect(lines.filter((l) => /203\.0\.113\.10\.4500 > 198\.51\.100\.20\.4500: UDP-encap: ESP/.test(l)).length).toBeGreaterThanOrEqual(6);
    expect(lines.filter((l) => /198\.51\.100\.20\.4500 > 203\.0\.113\.10\.4500: UDP-encap: ESP/.test(l)).length).toBeGreaterThanOrEqual(6);
    expect(lines.filter((l) => /192\.168\.1\.10|10\.20\.0\.10/.test(l))).toEqual([]);
  });

  it('re-authenticates an established tunnel when its PSK is rotated, and keeps carrying traffic', async () => {
    const before = await waitForSa(router, 'hq', 'the tunnel is up');
    await loadTunnel(router, routerTunnel({ psk: ROTATED_PSK }));
    await loadTunnel(hq, mirrored(routerTunnel({ psk: ROTATED_PSK }), 'office'));
    await waitForSa(router, 'hq', 'a new IKE_SA authenticated with the rotated key', (sa) => sa['uniqueid'] !== before['uniqueid']);
    await ping(world.office, '192.168.1.10');
  });

  it('refuses a tunnel whose local CIDR holds no address of the namespace (libipsec could not route it)', async () => {
    const lab = routerTunnel({ name: 'lab', localCidrs: ['10.20.99.0/24'], peerCidrs: ['192.168.99.0/24'] });
    await expect(loadTunnel(router, lab)).rejects.toMatchObject({ code: 'invalid', message: expect.stringMatching(/no address in local CIDR 10\.20\.99\.0\/24/) });
    expect((await tunnelState(router, 'lab')).loaded).toBe(false);
    // The gateway addresses the provider would give the routers on these networks.
    await ip(['addr', 'add', '10.20.99.1/24', 'dev', 'lan0'], world.router);
    await ip(['addr', 'add', '192.168.99.1/24', 'dev', 'lan0'], world.hq);
  });

  it.each([
    { reason: '3DES, MD5, group 2, ESP without PFS', ike: { encryption: '3des', hash: 'md5', group: 2 }, esp: { encryption: '3des', hash: 'md5', group: null }, want: { encr: '3DES_CBC', integ: 'HMAC_MD5_96', dh: 'MODP_1024', pfs: undefined } },
    { reason: 'AES-128, SHA-1, group 5, PFS group 15', ike: { encryption: 'aes128', hash: 'sha1', group: 5 }, esp: { encryption: 'aes128', hash: 'sha1', group: 15 }, want: { encr: 'AES_CBC', integ: 'HMAC_SHA1_96', dh: 'MODP_1536', pfs: 'MODP_3072' } },
    { reason: 'AES-192, SHA-384, group 16, PFS group 19', ike: { encryption: 'aes192', hash: 'sha384', group: 16 }, esp: { encryption: 'aes192', hash: 'sha384', group: 19 }, want: { encr: 'AES_CBC', integ: 'HMAC_SHA2_384_192', dh: 'MODP_4096', pfs: 'ECP_256' } },
    { reason: 'AES-256, SHA-512, group 20, PFS group 21', ike: { encryption: 'aes256', hash: 'sha512', group: 20 }, esp: { encryption: 'aes256', hash: 'sha512', group: 21 }, want: { encr: 'AES_CBC', integ: 'HMAC_SHA2_512_256', dh: 'ECP_384', pfs: 'ECP_521' } },
  ] as const)('negotiates $reason in a second tunnel, reloaded in place, without disturbing the first', async ({ ike, esp, want }) => {
    const second = routerTunnel({
      name: 'lab', localCidrs: ['10.20.99.0/24'], peerCidrs: ['192.168.99.0/24'],
      ike: { ...SPEC_IKE, ...ike }, esp: { ...SPEC_ESP, ...esp },
    });
    await loadTunnel(router, second);
    await loadTunnel(hq, mirrored(second, 'lab'));
    const sa = await waitForSa(router, 'lab', 'the second tunnel runs the new policy', (s) => s['dh-group'] === want.dh);
    expect(sa).toMatchObject({ 'encr-alg': want.encr, 'integ-alg': want.integ, 'dh-group': want.dh });
    expect(childSas(sa).find((c) => c['state'] === 'INSTALLED')).toMatchObject({ 'encr-alg': want.encr, 'integ-alg': want.integ });
    if (want.pfs !== undefined) {
      await withVici(instancePaths(router).socket, (vici) => vici.request('rekey', { child: 'lab' }));
      await waitForSa(router, 'lab', `the rekeyed CHILD_SA uses PFS ${want.pfs}`, (s) => childSas(s).some((c) => c['state'] === 'INSTALLED' && c['dh-group'] === want.pfs));
    }
    expect(await tunnelState(router, 'hq')).toEqual({ loaded: true, established: true });
  });

  it('unloads one tunnel without touching the other, idempotently', async () => {
    await unloadTunnel(router, 'lab');
    await unloadTunnel(router, 'lab');
    await unloadTunnel(hq, 'lab');
    expect(await tunnelState(router, 'lab')).toEqual({ loaded: false, established: false });
    expect(await tunnelState(router, 'hq')).toEqual({ loaded: true, established: true });
    await ping(world.office, '192.168.1.10');
  });

  it('never writes the PSK to a log or a file', async () => {
    for (const i of [router, hq]) {
      const names = await readdir(i.dir);
      expect(names.sort()).toEqual(['charon.log', 'charon.pid', 'charon.vici', 'strongswan.conf']);
      for (const name of names.filter((n) => n !== 'charon.vici')) {
        const text = await readFile(join(i.dir, name), 'utf8');
        expect(text).not.toContain(PSK);
        expect(text).not.toContain(ROTATED_PSK);
      }
      expect((await stat(i.dir)).mode & 0o777).toBe(0o700);
      expect((await stat(instancePaths(i).conf)).mode & 0o777).toBe(0o600);
    }
  });

  it('unloads a tunnel whose peer has vanished without waiting for it', async () => {
    await ip(['link', 'set', 'hq0', 'down'], world.uplink);
    try {
      expect((await tunnelState(router, 'hq')).established).toBe(true);
      const started = Date.now();
      await unloadTunnel(router, 'hq');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await tunnelState(router, 'hq')).toEqual({ loaded: false, established: false });
    } finally {
      await ip(['link', 'set', 'hq0', 'up'], world.uplink);
    }
    await unloadTunnel(hq, 'office');
  });

  it('brings no tunnel up when one side has the wrong PSK', async () => {
    await unloadTunnel(router, 'hq');
    await unloadTunnel(hq, 'office');
    const logStart = await Promise.all([router, hq].map(async (i) => (await stat(instancePaths(i).log)).size));
    await loadTunnel(hq, mirrored(routerTunnel({ psk: 'a different key' }), 'office'));
    await loadTunnel(router, routerTunnel());
    await waitUntil('charon reports the failed authentication', async () => {
      const logs = await Promise.all([router, hq].map(async (i, n) => (await readFile(instancePaths(i).log)).subarray(logStart[n]).toString()));
      return logs.some((log) => /AUTHENTICATION_FAILED|MAC mismatched/.test(log));
    });
    await sleep(2_000);
    expect((await tunnelState(router, 'hq')).established).toBe(false);
    expect((await tunnelState(hq, 'office')).established).toBe(false);
    await expect(run('ping', ['-c', '2', '-W', '1', '10.20.0.10'], { netns: world.hqHost })).rejects.toThrow();
  });

  it('stops both charons leaving no process, TUN device or socket, and stopping again succeeds', async () => {
    const pid = Number((await readFile(instancePaths(router).pid, 'utf8')).trim());
    await stopCharon(router);
    await stopCharon(router);
    await stopCharon(hq);
    expect(existsSync(`/proc/${pid}/exe`)).toBe(false);
    expect(existsSync(instancePaths(router).socket)).toBe(false);
    expect(existsSync(instancePaths(router).pid)).toBe(false);
    expect(await ipJson(['link', 'show', 'type', 'tun'], router.netns)).toEqual([]);
    expect(await tunnelState(router, 'hq')).toEqual({ loaded: false, established: false });
    await unloadTunnel(router, 'hq');
  });

  it('refuses to start charon in a namespace that does not exist', async () => {
    await expect(ensureCharon({ netns: `${PREFIX}-missing`, dir: join(dir, 'missing') })).rejects.toMatchObject({ code: 'not-found' });
    expect(await namespacesOf(PREFIX)).toHaveLength(5);
  });
});
