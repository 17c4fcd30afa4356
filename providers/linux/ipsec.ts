/**
 * Site-to-site IPsec for the linux provider: a real IKEv2/ESP tunnel from a tenant
 * router namespace to a peer, run by one strongSwan charon per namespace with the
 * userspace ESP backend (kernel-libipsec: ESP in UDP 4500, decrypted traffic on the
 * TUN device `ipsec0`, routes to peer CIDRs in table 220 via that device).
 *
 * The daemon's lifecycle lives in ipsec-charon.ts, what charon is told in
 * ipsec-config.ts, the control protocol in ipsec-vici.ts. Tunnels are loaded one by one
 * over VICI, so loading or unloading one tunnel never disturbs another.
 */
import { parseCidr, parseIpv4 } from '../../specs/model/net/ipv4.js';
import { ProviderError } from '../contract.js';
import { ipJson } from './exec.js';
import { instancePaths, type CharonInstance } from './ipsec-charon.js';
import { connectionSection, sharedKeyId, sharedKeyMessage, tunnelProblems, type TunnelConfig } from './ipsec-config.js';
import { isSection, ViciCommandFailed, withVici, type ViciSection, type ViciSession } from './ipsec-vici.js';

export { CHARON_PATH, TUN_DEVICE, charonAnswers, ensureCharon, stopCharon, type CharonInstance } from './ipsec-charon.js';
export { DH_GROUPS, ENCRYPTIONS, HASHES, type DhGroup, type Encryption, type Hash, type IpsecPolicy, type TunnelConfig } from './ipsec-config.js';

export interface TunnelState {
  /** charon holds the connection (it is lost when charon stops). */
  readonly loaded: boolean;
  /** An IKE_SA is established with at least one installed CHILD_SA: traffic can flow. */
  readonly established: boolean;
}

/**
 * Loads (or reloads) a tunnel's PSK and connection into the instance's charon, which
 * then initiates it and keeps it up. After it returns the tunnel runs exactly `t`:
 * - a new connection is initiated at once;
 * - a changed connection is replaced and its SAs re-established (charon's own rule
 *   for `load-conn`);
 * - SAs of an unchanged connection are re-authenticated (make-before-break, so
 *   traffic keeps flowing), because a changed PSK is not part of the connection and
 *   would otherwise never be used: IKEv2 rekeying does not authenticate again.
 * charon must be running (ensureCharon), and the namespace must already hold an
 * address in every local CIDR (see cidrsWithoutLocalAddress).
 */
export async function loadTunnel(i: CharonInstance, t: TunnelConfig): Promise<void> {
  const problems = tunnelProblems(t);
  if (problems.length > 0) throw new ProviderError('invalid', `tunnel ${t.name}: ${problems.join('; ')}`);
  const unaddressed = await cidrsWithoutLocalAddress(i.netns, t.localCidrs);
  if (unaddressed.length > 0) {
    throw new ProviderError('invalid', `tunnel ${t.name}: namespace ${i.netns} has no address in local CIDR ${unaddressed.join(', ')}; kernel-libipsec cannot route the tunnel's traffic without one`);
  }
  await withVici(instancePaths(i).socket, async (vici) => {
    const running = await establishedSaIds(vici, t.name);
    // The key first: load-conn initiates at once and must find it.
    await vici.request('load-shared', sharedKeyMessage(t));
    await loadConnection(vici, t);
    await reauthenticate(vici, t.name, running);
  });
}

async function loadConnection(vici: ViciSession, t: TunnelConfig): Promise<void> {
  try {
    await vici.request('load-conn', connectionSection(t));
  } catch (error) {
    if (error instanceof ViciCommandFailed) throw new ProviderError('invalid', `charon refused tunnel ${t.name}: ${error.errmsg}`, { cause: error });
    throw error;
  }
}

/**
 * Re-authenticates those of `ids` that are still established. A replaced connection's
 * SAs are being closed by charon, and their successors authenticate with the new key;
 * only SAs that load-conn left running (the connection was unchanged) must do it again.
 */
async function reauthenticate(vici: ViciSession, name: string, ids: readonly string[]): Promise<void> {
  for (const id of await establishedSaIds(vici, name)) {
    if (ids.includes(id)) await ignoring(/no matching/i, vici.request('rekey', { 'ike-id': id, reauth: 'yes' }));
  }
}

async function establishedSaIds(vici: ViciSession, name: string): Promise<string[]> {
  const sas = await listSas(vici, name);
  return sas.filter((sa) => sa['state'] === 'ESTABLISHED').map((sa) => sa['uniqueid']).filter((id): id is string => typeof id === 'string');
}

/**
 * Closes the tunnel's SAs (telling the peer) and unloads its connection and PSK.
 * Idempotent: an unknown tunnel, or a charon that is not running, is already unloaded.
 */
export async function unloadTunnel(i: CharonInstance, name: string): Promise<void> {
  try {
    await withVici(instancePaths(i).socket, async (vici) => {
      // Best effort: a dead peer never answers the DELETE, and charon then reports a
      // failure after dropping the SA anyway (force); unload-conn closes whatever is left.
      await ignoring(/.*/, vici.request('terminate', { ike: name, timeout: '3000', force: 'yes' }));
      await ignoring(/not found/i, vici.request('unload-conn', { name }));
      await ignoring(/not found/i, vici.request('unload-shared', { id: sharedKeyId(name) }));
    });
  } catch (error) {
    if (error instanceof ProviderError && error.code === 'unavailable') return;
    throw error;
  }
}

/** Whether charon holds the tunnel and whether it is up. Never changes anything; a stopped charon holds nothing. */
export async function tunnelState(i: CharonInstance, name: string): Promise<TunnelState> {
  try {
    return await withVici(instancePaths(i).socket, async (vici) => ({
      loaded: await connectionLoaded(vici, name),
      established: (await listSas(vici, name)).some(saCarriesTraffic),
    }));
  } catch (error) {
    if (error instanceof ProviderError && error.code === 'unavailable') return { loaded: false, established: false };
    throw error;
  }
}

/** The IKE_SAs of one connection as charon reports them (`list-sas`), for state and diagnostics. */
export async function listSas(vici: ViciSession, name: string): Promise<ViciSection[]> {
  const events = await vici.stream('list-sas', 'list-sa', { ike: name, noblock: 'yes' });
  return events.map((event) => event[name]).filter(isSection);
}

async function connectionLoaded(vici: ViciSession, name: string): Promise<boolean> {
  const events = await vici.stream('list-conns', 'list-conn', { ike: name });
  return events.some((event) => isSection(event[name]));
}

/**
 * kernel-libipsec installs each CHILD_SA's route via the TUN device with a source
 * address taken from the local traffic selector; with no such address in the namespace
 * charon fails the CHILD_SA ("error installing route with policy") and the tunnel
 * never carries traffic. The router's gateway address on each local network is it.
 */
async function cidrsWithoutLocalAddress(netns: string, cidrs: readonly string[]): Promise<string[]> {
  const links = await ipJson<{ addr_info?: { local?: string }[] }>(['-4', 'addr', 'show'], netns);
  const addresses = links.flatMap((link) => link.addr_info ?? []).map((a) => parseIpv4(a.local ?? '')).filter((a): a is number => a !== undefined);
  return cidrs.filter((cidr) => {
    const block = parseCidr(cidr);
    return block !== undefined && !addresses.some((a) => a >= block.first && a <= block.last);
  });
}

function saCarriesTraffic(sa: ViciSection): boolean {
  const children = sa['child-sas'];
  return sa['state'] === 'ESTABLISHED' && isSection(children) && Object.values(children).some((child) => isSection(child) && child['state'] === 'INSTALLED');
}

/** Awaits a VICI request, treating charon's refusal with a matching errmsg as success. */
async function ignoring(errmsg: RegExp, request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof ViciCommandFailed && errmsg.test(error.errmsg))) throw error;
  }
}
