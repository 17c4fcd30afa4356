/**
 * Small idempotent kernel operations the linux provider is built from: namespaces,
 * links, addresses, sysctls. Each "ensure" leaves the object as asked whether or not it
 * existed; each "remove" succeeds when the object is already gone.
 */
import { alreadyExists, ip, ipJson, notFound, run } from './exec.js';

interface NetnsEntry { name: string }
interface LinkEntry { ifname: string; ifalias?: string; master?: string; operstate?: string; link_type?: string; flags?: string[] }
interface AddrEntry { ifname: string; addr_info?: { family: string; local: string; prefixlen: number }[] }

export async function namespaces(): Promise<string[]> {
  return (await ipJson<NetnsEntry>(['netns', 'list'])).map((n) => n.name);
}

export async function namespaceExists(name: string): Promise<boolean> {
  return (await namespaces()).includes(name);
}

export async function ensureNamespace(name: string): Promise<void> {
  try {
    await ip(['netns', 'add', name]);
  } catch (error) {
    if (!alreadyExists(error)) throw error;
  }
  await ip(['link', 'set', 'lo', 'up'], name);
}

export async function removeNamespace(name: string): Promise<void> {
  try {
    await ip(['netns', 'del', name]);
  } catch (error) {
    if (!notFound(error)) throw error;
  }
}

export async function links(netns: string): Promise<LinkEntry[]> {
  return ipJson<LinkEntry>(['link', 'show'], netns);
}

export async function linkExists(netns: string, name: string): Promise<boolean> {
  try {
    await ip(['link', 'show', 'dev', name], netns);
    return true;
  } catch (error) {
    if (notFound(error)) return false;
    throw error;
  }
}

/** Runs `create` unless the link is there already. */
export async function ensureLink(netns: string, name: string, create: () => Promise<unknown>): Promise<void> {
  if (await linkExists(netns, name)) return;
  try {
    await create();
  } catch (error) {
    if (!alreadyExists(error)) throw error;
  }
}

export async function removeLink(netns: string, name: string): Promise<void> {
  try {
    await ip(['link', 'del', 'dev', name], netns);
  } catch (error) {
    if (!notFound(error)) throw error;
  }
}

export async function linkUp(netns: string, name: string): Promise<void> {
  await ip(['link', 'set', 'dev', name, 'up'], netns);
}

export async function linkDown(netns: string, name: string): Promise<void> {
  await ip(['link', 'set', 'dev', name, 'down'], netns);
}

/** Whether the link is administratively up (`ip link set … up`), whatever its carrier; false when it is missing. */
export async function linkIsUp(netns: string, name: string): Promise<boolean> {
  try {
    const [entry] = await ipJson<LinkEntry>(['link', 'show', 'dev', name], netns);
    return entry?.flags?.includes('UP') ?? false;
  } catch (error) {
    if (notFound(error)) return false;
    throw error;
  }
}

/** The processes running in the network namespace (`ip netns pids`). */
export async function namespacePids(netns: string): Promise<number[]> {
  const out = await ip(['netns', 'pids', netns]);
  return out.split('\n').map((l) => Number(l.trim())).filter((pid) => Number.isInteger(pid) && pid > 0);
}

export async function addresses(netns: string, dev?: string): Promise<{ ifname: string; address: string; prefix: number }[]> {
  const entries = await ipJson<AddrEntry>(['-4', 'addr', 'show', ...(dev ? ['dev', dev] : [])], netns);
  return entries.flatMap((e) => (e.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => ({ ifname: e.ifname, address: a.local, prefix: a.prefixlen })));
}

export async function ensureAddress(netns: string, dev: string, cidr: string): Promise<void> {
  try {
    await ip(['addr', 'add', cidr, 'dev', dev], netns);
  } catch (error) {
    if (!alreadyExists(error)) throw error;
  }
}

export async function removeAddress(netns: string, dev: string, cidr: string): Promise<void> {
  try {
    await ip(['addr', 'del', cidr, 'dev', dev], netns);
  } catch (error) {
    if (!notFound(error) && !/Cannot assign requested address/i.test(String((error as Error).message))) throw error;
  }
}

/** A sysctl of the namespace (ip_forward is per network namespace). */
export async function sysctl(netns: string, key: string, value: string): Promise<void> {
  await run('sysctl', ['-qw', `${key}=${value}`], { netns });
}

/** Whether this kernel can make 802.1Q sub-interfaces: tried in a scratch namespace. */
export async function kernelHas8021q(scratch: string): Promise<boolean> {
  await ensureNamespace(scratch);
  try {
    await ip(['link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1'], scratch);
    await ip(['link', 'add', 'link', 'p0', 'name', 'p0.5', 'type', 'vlan', 'id', '5'], scratch);
    return true;
  } catch {
    return false;
  } finally {
    await removeNamespace(scratch);
  }
}
