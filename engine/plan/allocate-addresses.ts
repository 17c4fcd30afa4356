/**
 * Gateways and NIC addresses inside each network. The gateway is the one given or the
 * first host; an `auto` NIC gets the lowest host address that is not the gateway, not
 * fixed on another NIC, and not recorded for another VM. A recorded address is kept
 * while it still lies inside the network's (possibly changed) CIDR.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import { formatCidr, formatIpv4, hostRange, nthHost, parseCidr, parseIpv4, type Ipv4Block, type Ipv4Range } from '../../specs/model/net/ipv4.js';
import { Claims, LowestFree } from './allocate-pool.js';
import { diagnosticAt, recordedFor, type ZoneInput } from './allocate-input.js';
import { AUTO, type Draft } from './expand.js';

interface NetworkState {
  readonly draft: Draft;
  readonly block: Ipv4Block;
  readonly hosts: Ipv4Range;
  readonly gateway: number | undefined;
  readonly fixed: Claims;
  readonly recorded: Claims;
  readonly taken: Set<number>;
  readonly cursor: LowestFree;
}

export interface NicRequest {
  readonly network: string;
  readonly ip: string;
}

const NO_NICS: readonly NicRequest[] = [];

export const nicsOf = (draft: Draft): readonly NicRequest[] => draft.attributes.nics as unknown as NicRequest[];

export function allocateAddresses(input: ZoneInput): {
  gateways: Map<string, string>;
  nicIps: Map<string, string[]>;
  diagnostics: Diagnostic[];
} {
  const gateways = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  // Networks by current address and by the address they had before a rename, so that
  // NICs recorded on the old address still count.
  const networks = new Map<string, NetworkState>();
  const byRecordedAddress = new Map<string, NetworkState>();
  for (const d of input.drafts) {
    if (d.type !== 'network') continue;
    const block = parseCidr(String(d.attributes.cidr));
    if (!block) continue;
    const given = d.attributes.gateway;
    const gateway = given === AUTO ? nthHost(block, 1) : parseIpv4(String(given));
    if (gateway !== undefined) gateways.set(d.address, formatIpv4(gateway));
    const fixed = new Claims();
    const recorded = new Claims();
    const taken = new Set<number>();
    const hosts = hostRange(block);
    const cursor = new LowestFree([hosts], (ip) => ip === gateway || fixed.has(ip) || recorded.has(ip) || taken.has(ip));
    const state: NetworkState = { draft: d, block, hosts, gateway, fixed, recorded, taken, cursor };
    networks.set(d.address, state);
    byRecordedAddress.set(d.address, state);
    if (d.previously !== undefined && !byRecordedAddress.has(d.previously)) byRecordedAddress.set(d.previously, state);
  }

  const vms = input.drafts.filter((d) => d.type === 'vm');
  for (const vm of vms) {
    for (const nic of nicsOf(vm)) {
      const ip = nic.ip === AUTO ? undefined : parseIpv4(nic.ip);
      if (ip !== undefined) networks.get(nic.network)?.fixed.add(ip, vm.address);
    }
  }
  for (const r of input.recorded) {
    if (r.type !== 'vm') continue;
    forEachRecordedNic(r.attributes, (network, ipText) => {
      const net = byRecordedAddress.get(network);
      const ip = net ? parseIpv4(ipText) : undefined;
      if (net && ip !== undefined) net.recorded.add(ip, r.address);
    });
  }

  const nicIps = new Map<string, string[]>();
  for (const vm of vms) {
    const recordedVm = recordedFor(input, vm);
    const before = recordedVm ? recordedNics(recordedVm.attributes) : NO_NICS;
    const seenOnNetwork = new Map<string, number>();
    const ips = nicsOf(vm).map((nic, j): string => {
      const net = networks.get(nic.network);
      const k = seenOnNetwork.get(nic.network) ?? 0;
      seenOnNetwork.set(nic.network, k + 1);
      if (nic.ip !== AUTO || !net) return nic.ip;
      // The k-th NIC of this VM on this network keeps the k-th address recorded there.
      const kept = before.filter((n) => n.network === net.draft.address || n.network === net.draft.previously)[k];
      const keptIp = kept ? parseIpv4(kept.ip) : undefined;
      const reusable =
        keptIp !== undefined &&
        keptIp >= net.hosts.first &&
        keptIp <= net.hosts.last &&
        keptIp !== net.gateway &&
        !net.fixed.has(keptIp) &&
        net.recorded.onlyBy(keptIp, vm) &&
        !net.taken.has(keptIp);
      const chosen = reusable ? keptIp : net.cursor.take();
      if (chosen === undefined) {
        diagnostics.push(diagnosticAt(vm, ['nics', j, 'ip'], `no free address left in network ${String(net.draft.attributes.name)} (${formatCidr(net.block)}) for vm ${String(vm.attributes.name)}`));
        return AUTO;
      }
      net.taken.add(chosen);
      return formatIpv4(chosen);
    });
    nicIps.set(vm.address, ips);
  }
  return { gateways, nicIps, diagnostics };
}

/** NICs as state recorded them, tolerating anything malformed. */
export function recordedNics(attributes: { readonly [k: string]: unknown } | undefined): NicRequest[] {
  const out: NicRequest[] = [];
  forEachRecordedNic(attributes, (network, ip) => out.push({ network, ip }));
  return out;
}

/** Calls `f` for each well-formed NIC state recorded, without building objects. */
export function forEachRecordedNic(attributes: { readonly [k: string]: unknown } | undefined, f: (network: string, ip: string) => void): void {
  const nics = attributes?.nics;
  if (!Array.isArray(nics)) return;
  for (const n of nics as unknown[]) {
    const nic = n as { network?: unknown; ip?: unknown } | null;
    if (nic && typeof nic.network === 'string' && typeof nic.ip === 'string') f(nic.network, nic.ip);
  }
}
