/**
 * `netfirst sim serve --cloudstack-api` as a child process of the test, and a look at
 * what the endpoint holds through its own API (signed requests, paged lists).
 *
 * The endpoint must run in another process: the CLI under test is run with spawnSync
 * (test/cli/harness.ts), which blocks this process's event loop — an endpoint served
 * from here could not answer while the CLI waits for it. For the same reason its
 * request log goes to a file, not to a pipe this process reads: a full pipe would block
 * the endpoint's (synchronous) writes to stderr, and with them the endpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createTransport, type Fetch, type Send } from '../../providers/cloudstack/transport.js';
import { parseListPage, type CloudStackObject } from '../../providers/cloudstack/response.js';
import { REPO } from '../cli/harness.js';

const BIN = join(REPO, 'bin', 'netfirst.js');

export interface EndpointProcess {
  /** `http://127.0.0.1:PORT/client/api`, from the first line the command prints. */
  readonly url: string;
  /** The endpoint's request log (its stderr, kept in a file), one entry per line, so far. */
  readonly log: readonly string[];
  /** Waits until the log holds every line for the requests answered so far (and the process still runs). */
  settle(): Promise<void>;
  /** How the process ended, if it did. */
  readonly ended: string | undefined;
  /** Every object a list command shows, walking the pages, or [] when it lists none. */
  list(command: string, key: string, params?: Record<string, string | number | boolean>): Promise<CloudStackObject[]>;
  /** SIGTERM, then waits for the process to end (SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
}

export interface EndpointOptions {
  /** The spec directory holding the zone the endpoint serves (its provider still `type: sim`). */
  readonly specs: string;
  /** Where it runs; its request log is written there, to sim-serve.log. */
  readonly cwd: string;
  readonly apiKey: string;
  readonly secretKey: string;
  /** Tuning flags: --job-delay, --page-size, --fault-rate, … */
  readonly flags?: readonly string[];
  /** The page size lists from the test ask for: at most the endpoint's --page-size (default 500). */
  readonly pageSize?: number;
  /** How long to wait for the first line (default 20 s). */
  readonly startTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
// Whatever happens to the test (a failed assertion, a crash of the worker), no endpoint outlives it.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startEndpoint(options: EndpointOptions): Promise<EndpointProcess> {
  const logPath = join(options.cwd, 'sim-serve.log');
  const logFd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    // stdout (a dozen lines, once) comes through a pipe; the request log goes to the file.
    child = spawn(process.execPath, [BIN, 'sim', 'serve', '--cloudstack-api', '--listen', '127.0.0.1:0', ...(options.flags ?? []), options.specs], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', NETFIRST_STATE: '', NETFIRST_SIM_API_KEY: options.apiKey, NETFIRST_SIM_SECRET_KEY: options.secretKey },
      stdio: ['ignore', 'pipe', logFd],
    });
  } finally {
    closeSync(logFd);
  }
  live.add(child);
  let ended: string | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    ended = signal ?? `exit ${code}`;
    live.delete(child);
    resolve();
  }));

  /** The complete lines of the log so far. */
  const readLog = (): string[] => {
    if (!existsSync(logPath)) return [];
    const lines = readFileSync(logPath, 'utf8').split('\n');
    lines.pop();
    return lines;
  };
  let stdout = '';
  child.stdout!.setEncoding('utf8');

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };

  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sim serve printed no URL within ${options.startTimeoutMs ?? 20_000} ms; stdout: ${stdout}; stderr: ${readLog().join('\n')}`)), options.startTimeoutMs ?? 20_000);
      child.stdout!.on('data', (chunk: string) => {
        stdout += chunk;
        const newline = stdout.indexOf('\n');
        if (newline < 0) return;
        const m = /^CloudStack API for zone \S+ listening on (http:\/\/\S+)$/.exec(stdout.slice(0, newline).trim());
        clearTimeout(timer);
        if (m?.[1]) resolve(m[1]);
        else reject(new Error(`sim serve's first line names no URL: ${stdout.slice(0, newline)}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`sim serve ended (${signal ?? `exit ${code}`}) before listening: ${stdout}${readLog().join('\n')}`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  child.stdout!.resume();

  const send: Send = createTransport({
    endpoint: url, credentials: { apiKey: options.apiKey, secretKey: options.secretKey }, fetch: oneShotFetch,
    requestTimeoutMs: 10_000, maxGetUrlLength: 2_048, signatureTtlMs: 5 * 60_000, now: () => new Date(),
  });
  const pageSize = options.pageSize ?? 500;
  let probes = 0;
  return {
    url,
    get log() {
      return readLog();
    },
    get ended() {
      return ended;
    },
    async settle() {
      // The endpoint logs each request after answering it, in order: once the line of a
      // request made now has come, so have the lines of every request before it.
      const marker = `settle-${process.pid}-${++probes}`;
      parseListPage('listZones', await send('listZones', { name: marker }), 'zone');
      const deadline = Date.now() + 5_000;
      while (!readLog().some((l) => l.includes(marker))) {
        if (ended !== undefined) throw new Error(`sim serve ended (${ended})`);
        if (Date.now() > deadline) throw new Error('sim serve did not log a request within 5 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async list(command, key, params = {}) {
      const out: CloudStackObject[] = [];
      for (let page = 1; page < 1_000; page++) {
        const { items, count } = parseListPage(command, await send(command, { listall: true, ...params, page, pagesize: pageSize }), key);
        out.push(...items);
        if (items.length < pageSize || (count !== undefined && out.length >= count)) break;
      }
      return out;
    },
    stop,
  };
}

/**
 * fetch without keep-alive: this process's event loop sleeps while the CLI runs, so it
 * would not notice the endpoint closing an idle kept-alive connection, and would send
 * the next request on it ("other side closed").
 */
const oneShotFetch: Fetch = (url, init) => new Promise<Response>((resolve, reject) => {
  const req = request(url, { method: init.method ?? 'GET', agent: false, headers: { ...(init.headers as Record<string, string> | undefined), connection: 'close' } }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0 })));
    res.on('error', reject);
  });
  req.on('error', reject);
  init.signal?.addEventListener('abort', () => req.destroy(new Error('request timed out')));
  if (typeof init.body === 'string') req.end(init.body);
  else req.end();
});

/** What the tenants made in the endpoint, by kind: [id, netfirst-address tag] of each object. */
export interface Holdings {
  readonly projects: readonly string[];
  readonly vpcs: readonly string[];
  readonly networks: readonly Held[];
  readonly publicIps: readonly Held[];
  readonly staticNats: readonly Held[];
  readonly portForwards: readonly Held[];
  readonly firewallRules: readonly Held[];
  readonly aclItems: readonly Held[];
  readonly vpnCustomerGateways: readonly Held[];
  readonly vpnConnections: readonly Held[];
  readonly vpnUsers: readonly Held[];
  readonly vms: readonly Held[];
  readonly dataDisks: readonly Held[];
}

export interface Held {
  readonly id: string;
  /** The `netfirst-address` tag, when the object carries one. */
  readonly address?: string;
  /** A public IP that is its VPC's source-NAT address (which comes with the VPC). */
  readonly sourceNat?: boolean;
  /** The VM a data disk is attached to. */
  readonly vm?: string;
}

const held = (o: CloudStackObject): Held => {
  const tags = Array.isArray(o['tags']) ? (o['tags'] as Array<Record<string, unknown>>) : [];
  const tag = tags.find((t) => t['key'] === 'netfirst-address');
  return { id: String(o['id']), ...(typeof tag?.['value'] === 'string' ? { address: tag['value'] } : {}) };
};

/** Every project's objects (projectid=-1), as a root admin would list them. */
export async function holdings(endpoint: EndpointProcess): Promise<Holdings> {
  const all = { projectid: -1 };
  const [projects, vpcs, networks, ips, portForwards, firewallRules, aclItems, customerGateways, connections, users, vms, volumes] = await Promise.all([
    endpoint.list('listProjects', 'project'),
    endpoint.list('listVPCs', 'vpc', all),
    endpoint.list('listNetworks', 'network', all),
    endpoint.list('listPublicIpAddresses', 'publicipaddress', all),
    endpoint.list('listPortForwardingRules', 'portforwardingrule', all),
    endpoint.list('listFirewallRules', 'firewallrule', all),
    endpoint.list('listNetworkACLs', 'networkacl'),
    endpoint.list('listVpnCustomerGateways', 'vpncustomergateway', all),
    endpoint.list('listVpnConnections', 'vpnconnection', all),
    endpoint.list('listVpnUsers', 'vpnuser', all),
    endpoint.list('listVirtualMachines', 'virtualmachine', all),
    endpoint.list('listVolumes', 'volume', all),
  ]);
  return {
    projects: projects.map((p) => String(p['name'])).sort(),
    vpcs: vpcs.map((v) => String(v['name'])).sort(),
    networks: networks.map(held),
    publicIps: ips.map((ip) => ({ ...held(ip), ...(ip['issourcenat'] === true ? { sourceNat: true } : {}) })),
    staticNats: ips.filter((ip) => ip['isstaticnat'] === true).map(held),
    portForwards: portForwards.map(held),
    firewallRules: firewallRules.map(held),
    aclItems: aclItems.map(held),
    vpnCustomerGateways: customerGateways.map(held),
    vpnConnections: connections.map(held),
    vpnUsers: users.map((u) => ({ id: String(u['id']), address: String(u['username']) })),
    vms: vms.map(held),
    dataDisks: volumes.filter((v) => String(v['type']).toUpperCase() === 'DATADISK')
      .map((v) => ({ ...held(v), ...(typeof v['virtualmachineid'] === 'string' ? { vm: v['virtualmachineid'] } : {}) })),
  };
}

/** The request log's lines that report a bug of the endpoint itself (never a CloudStack refusal). */
export const endpointBugs = (endpoint: EndpointProcess): string[] => endpoint.log.filter((l) => l.startsWith('BUG in'));

/** CloudStack's errortexts the endpoint answered with, from its log: `GET cmd 431 …— text` and `job … failed 530: text`. */
export function errortexts(endpoint: EndpointProcess): Set<string> {
  const out = new Set<string>();
  for (const line of endpoint.log) {
    const refused = / (?:4|5)\d\d \d+ms .* — (.+)$/.exec(line);
    if (refused?.[1]) out.add(refused[1]);
    const failed = /^job \S+ \S+ failed \d+: (.+)$/.exec(line);
    if (failed?.[1]) out.add(failed[1]);
  }
  return out;
}
