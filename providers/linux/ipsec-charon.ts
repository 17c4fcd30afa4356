/**
 * One charon (strongSwan's IKE daemon) per network namespace, each with a directory of
 * its own holding its strongswan.conf, VICI socket, pid file and log.
 *
 * charon 5.9 writes its pid to the compiled-in /var/run/charon.pid and refuses to start
 * while that file names a live process, so two instances cannot share one /run. Each
 * charon therefore runs in a private mount namespace in which the instance directory is
 * bind-mounted over /run (the real target of /var/run): its pid file, its VICI socket
 * and everything else it puts in /run land in the instance directory, and nothing is
 * mounted in, or written to, the host's /run. Setting it up takes three execFile steps
 * and no shell:
 *   1. `ip netns exec NS unshare --mount --propagation private sleep 30` — a holder
 *      process that owns the new mount namespace (inside the network namespace);
 *   2. `nsenter --target HOLDER --mount mount --bind DIR /run`;
 *   3. `nsenter --target HOLDER --mount --net charon`, detached, with
 *      STRONGSWAN_CONF=/run/strongswan.conf; then the holder is killed (the namespace
 *      lives on with charon, and the holder's sleep is a bound in case we die first).
 * charon's kernel-libipsec plugin creates the TUN device `ipsec0` in the namespace; it
 * disappears when charon exits, however it exits.
 */
import { closeSync, openSync, realpathSync } from 'node:fs';
import { chmod, mkdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '../contract.js';
import { run, startDaemon } from './exec.js';
import { strongswanConf } from './ipsec-config.js';
import { withVici } from './ipsec-vici.js';

export interface CharonInstance {
  /** The network namespace charon runs in (one instance per namespace: it binds UDP 500/4500). */
  readonly netns: string;
  /** A directory owned by this instance: strongswan.conf, charon.vici, charon.pid, charon.log. */
  readonly dir: string;
}

export const CHARON_PATH = '/usr/lib/ipsec/charon';
/** The name kernel-libipsec gives its TUN device (`ipsec%d`, first free in the namespace). */
export const TUN_DEVICE = 'ipsec0';

const SEARCH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const HOLDER_SECONDS = 30;
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
/** sun_path is 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

export interface InstancePaths {
  readonly conf: string;
  readonly socket: string;
  readonly pid: string;
  readonly log: string;
}

export function instancePaths(i: CharonInstance): InstancePaths {
  return { conf: `${i.dir}/strongswan.conf`, socket: `${i.dir}/charon.vici`, pid: `${i.dir}/charon.pid`, log: `${i.dir}/charon.log` };
}

/** Where charon looks for its pid file's directory; the instance directory is mounted there. */
function runDir(): string {
  return realpathSync('/var/run');
}

/**
 * Starts charon in `i.netns` unless it is already answering on the instance's socket.
 * Idempotent; the daemon outlives the calling process. A charon of this instance that
 * runs but does not answer is killed and replaced.
 */
export function ensureCharon(i: CharonInstance): Promise<void> {
  return serialized(i.dir, async () => {
    if (await charonAnswers(i)) return;
    await stopInstance(i);
    await prepareDirectory(i);
    await startInstance(i);
  });
}

/** Stops the instance's charon (SIGTERM, then SIGKILL) and removes its socket and pid file. Idempotent. */
export function stopCharon(i: CharonInstance): Promise<void> {
  return serialized(i.dir, () => stopInstance(i));
}

/** True when the instance's charon answers a VICI `version` request. */
export async function charonAnswers(i: CharonInstance): Promise<boolean> {
  try {
    await withVici(instancePaths(i).socket, (vici) => vici.request('version'), 3_000);
    return true;
  } catch {
    return false;
  }
}

async function prepareDirectory(i: CharonInstance): Promise<void> {
  const paths = instancePaths(i);
  if (Buffer.byteLength(paths.socket) > MAX_SOCKET_PATH) {
    throw new ProviderError('invalid', `charon directory ${i.dir} is too long for a unix socket path (${paths.socket})`);
  }
  await mkdir(i.dir, { recursive: true, mode: 0o700 });
  await chmod(i.dir, 0o700);
  await writeFile(paths.conf, strongswanConf(runDir()), { mode: 0o600 });
  // Left over from a charon that died without cleaning up; charon would refuse a pid file naming a live (reused) pid.
  await rm(paths.pid, { force: true });
  await rm(paths.socket, { force: true });
}

async function startInstance(i: CharonInstance): Promise<void> {
  await assertNetnsExists(i.netns);
  const paths = instancePaths(i);
  const logFd = openSync(paths.log, 'a', 0o600);
  try {
    const holder = startDaemon('unshare', ['--mount', '--propagation', 'private', 'sleep', String(HOLDER_SECONDS)], { netns: i.netns, logFd, env: { PATH: SEARCH_PATH } });
    try {
      await waitForHolder(holder, paths.log);
      await run('nsenter', ['--target', String(holder), '--mount', 'mount', '--bind', i.dir, runDir()]);
      const charon = startDaemon('nsenter', ['--target', String(holder), '--mount', '--net', CHARON_PATH], {
        logFd,
        env: { PATH: SEARCH_PATH, STRONGSWAN_CONF: `${runDir()}/strongswan.conf` },
      });
      await waitForCharon(i, charon);
    } finally {
      signal(holder, 'SIGKILL');
    }
  } finally {
    closeSync(logFd);
  }
}

/** The holder has entered its namespaces once `ip` and `unshare` have exec'd into `sleep`. */
async function waitForHolder(pid: number, log: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => undefined);
    if (comm?.trim() === 'sleep') return;
    if (!(await pidAlive(pid))) throw new ProviderError('internal', `could not create charon's mount namespace: ${await logTail(log)}`);
    await sleep(20);
  }
  throw new ProviderError('timeout', 'the mount namespace holder for charon did not start');
}

async function waitForCharon(i: CharonInstance, pid: number): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await charonAnswers(i)) return;
    if (!(await pidAlive(pid))) throw new ProviderError('internal', `charon in ${i.netns} exited at start: ${await logTail(instancePaths(i).log)}`);
    await sleep(50);
  }
  signal(pid, 'SIGKILL');
  throw new ProviderError('timeout', `charon in ${i.netns} did not answer on ${instancePaths(i).socket} within ${START_TIMEOUT_MS} ms`);
}

async function stopInstance(i: CharonInstance): Promise<void> {
  const paths = instancePaths(i);
  const pid = await instancePid(i);
  if (pid !== undefined) {
    signal(pid, 'SIGTERM');
    if (!(await waitGone(pid, STOP_TIMEOUT_MS))) {
      signal(pid, 'SIGKILL');
      if (!(await waitGone(pid, STOP_TIMEOUT_MS))) throw new ProviderError('timeout', `charon ${pid} in ${i.netns} survived SIGKILL`);
    }
  }
  // charon removes its pid file but leaves the socket; a SIGKILLed one leaves both.
  await rm(paths.socket, { force: true });
  await rm(paths.pid, { force: true });
}

/**
 * The pid of this instance's charon, from its pid file, only if that process is a charon
 * whose /run is this instance's directory (same strongswan.conf inode): a stale pid
 * file naming a reused pid must never get an unrelated process killed.
 */
async function instancePid(i: CharonInstance): Promise<number | undefined> {
  const paths = instancePaths(i);
  const text = await readFile(paths.pid, 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  const exe = await readlink(`/proc/${pid}/exe`).catch(() => undefined);
  if (exe === undefined || !exe.startsWith(CHARON_PATH)) return undefined;
  const [theirs, ours] = await Promise.all([
    stat(`/proc/${pid}/root${runDir()}/strongswan.conf`).catch(() => undefined),
    stat(paths.conf).catch(() => undefined),
  ]);
  return theirs !== undefined && ours !== undefined && theirs.dev === ours.dev && theirs.ino === ours.ino ? pid : undefined;
}

async function assertNetnsExists(netns: string): Promise<void> {
  try {
    await stat(`/run/netns/${netns}`);
  } catch (error) {
    throw new ProviderError('not-found', `network namespace ${netns} does not exist`, { cause: error });
  }
}

/** Alive and not a zombie (an exited child this process has not reaped yet). */
async function pidAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  // "pid (comm) S ...": the state follows the last parenthesis, since comm may contain one.
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  return state !== 'Z' && state !== 'X';
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await pidAlive(pid))) return true;
    await sleep(50);
  }
  return false;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** The last lines of a charon log, for errors. The log holds no secrets: charon logs at level 1 (see strongswanConf). */
async function logTail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-5).join(' | ') || 'no output';
}

const busy = new Map<string, Promise<unknown>>();

/** Runs tasks on one instance one after another within this process (ensure and stop must not interleave). */
function serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
  const prior = busy.get(key) ?? Promise.resolve();
  const next = prior.then(task, task);
  busy.set(key, next);
  const forget = (): void => {
    if (busy.get(key) === next) busy.delete(key);
  };
  next.then(forget, forget);
  return next;
}
