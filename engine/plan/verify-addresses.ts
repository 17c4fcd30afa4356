/**
 * Addressing inside one tenant: networks routed together must not overlap (the
 * tenant's networks, and the peer networks of its VPNs), gateways and fixed NIC
 * addresses must be usable hosts of their network and used once, and each public IP
 * must be used in one way only. Also the warnings for things that are defined but
 * unused.
 */
import type { Diagnostic } from '../../specs/diagnostic.js';
import type { Loaded } from '../../specs/model.js';
import type { TenantDoc } from '../../specs/schema.js';
import { formatIpv4, parseCidr, parseIpv4, overlaps, type Ipv4Block } from '../../specs/model/net/ipv4.js';
import { networkAddress, vmAddress } from './expand.js';
import { finding, type Path, type VerifyContext } from './verify-context.js';

/** NIC addresses state recorded: the VMs recorded with `ip` on the network at `network`. */
export interface RecordedNicIps {
  owners(network: string, ip: number): readonly string[];
}

export function verifyAddresses(loaded: Loaded<TenantDoc>, ctx: VerifyContext, recordedNics: RecordedNicIps): Diagnostic[] {
  const out: Diagnostic[] = [];
  const tenant = loaded.value.metadata.name;
  const spec = loaded.value.spec;
  const at = (path: Path, summary: string, address?: string, severity: 'error' | 'warning' = 'error'): void => {
    out.push(finding(loaded, path, summary, { ...(address !== undefined ? { address } : {}), severity }));
  };

  // Networks: blocks, gateways, overlaps
  const blocks = new Map<string, { block: Ipv4Block; gateway: number | undefined }>();
  spec.networks.forEach((n, i) => {
    const block = parseCidr(n.cidr);
    if (!block || blocks.has(n.name)) return;
    const gatewayText = ctx.networks.get(networkAddress(tenant, n.name))?.attributes.gateway;
    const gateway = typeof gatewayText === 'string' ? parseIpv4(gatewayText) : undefined;
    blocks.set(n.name, { block, gateway });
    if (n.gateway !== undefined && gateway !== undefined) {
      const problem = hostProblem(block, gateway);
      if (problem) at(['spec', 'networks', i, 'gateway'], `gateway ${n.gateway} ${problem} of network ${n.name} (${n.cidr})`, networkAddress(tenant, n.name));
    }
  });
  const sorted = spec.networks
    .map((n, i) => ({ n, i, block: parseCidr(n.cidr) }))
    .filter((x): x is { n: (typeof spec.networks)[number]; i: number; block: Ipv4Block } => x.block !== undefined)
    .sort((a, b) => a.block.first - b.block.first || a.i - b.i);
  let widest: (typeof sorted)[number] | undefined;
  for (const x of sorted) {
    if (widest && x.block.first <= widest.block.last) {
      at(['spec', 'networks', x.i, 'cidr'], `network ${x.n.name} (${x.n.cidr}) overlaps network ${widest.n.name} (${widest.n.cidr}) of the same tenant`, networkAddress(tenant, x.n.name));
    }
    if (!widest || x.block.last > widest.block.last) widest = x;
  }
  (spec.vpn?.siteToSite ?? []).forEach((vpn, i) => {
    vpn.peerCidrs.forEach((cidr, j) => {
      const peer = parseCidr(cidr);
      if (!peer) return;
      for (const x of sorted) {
        if (overlaps(peer, x.block)) {
          at(['spec', 'vpn', 'siteToSite', i, 'peerCidrs', j], `peer network ${cidr} of vpn ${vpn.name} overlaps network ${x.n.name} (${x.n.cidr}): traffic to it could not be routed to the peer`, `${tenant}/vpn/${vpn.name}`);
          break;
        }
      }
    });
  });

  // NICs: fixed addresses must be free hosts of their network
  const nicOwners = new Map<string, Map<number, string>>();
  const used = new Set<string>();
  spec.vms.forEach((vm, i) => {
    vm.nics.forEach((nic, j) => {
      used.add(nic.network);
      const net = blocks.get(nic.network);
      if (nic.ip === 'auto' || !net) return;
      const ip = parseIpv4(nic.ip);
      if (ip === undefined) return;
      const path = ['spec', 'vms', i, 'nics', j, 'ip'];
      const address = vmAddress(tenant, vm.name);
      const problem = hostProblem(net.block, ip) ?? (ip === net.gateway ? 'is the gateway' : undefined);
      if (problem) {
        at(path, `${nic.ip} ${problem} of network ${nic.network} (${formatIpv4(net.block.first)}/${net.block.prefix})`, address);
        return;
      }
      const owners = nicOwners.get(nic.network) ?? new Map<number, string>();
      nicOwners.set(nic.network, owners);
      const other = owners.get(ip);
      if (other !== undefined) {
        at(path, `${nic.ip} is already the address of vm ${other} on network ${nic.network}`, address);
        return;
      }
      owners.set(ip, vm.name);
      const previously = vm.previously !== undefined ? vmAddress(tenant, vm.previously) : undefined;
      const netAddr = networkAddress(tenant, nic.network);
      const recorded = recordedNics.owners(netAddr, ip).filter((a) => a !== address && a !== previously);
      if (recorded.length > 0) at(path, `${nic.ip} on network ${nic.network} is recorded in state for ${recorded.join(', ')}`, address);
    });
  });

  // Public IPs: one use each
  const natOf = new Map<string, string>();
  for (const n of spec.networks) if (n.sourceNat !== undefined && !natOf.has(n.sourceNat)) natOf.set(n.sourceNat, n.name);
  const withRules = new Set(spec.firewall.map((r) => r.publicIp));
  spec.publicIps.forEach((p, i) => {
    const path = ['spec', 'publicIps', i];
    const address = `${tenant}/public-ip/${p.name}`;
    const forwards = p.portForwards ?? [];
    if (p.staticNat && forwards.length > 0) {
      at([...path, 'staticNat'], `public IP ${p.name} has both staticNat and portForwards: static NAT already forwards every port; use one or the other`, address);
    }
    const network = natOf.get(p.name);
    if (p.staticNat && network !== undefined) {
      at([...path, 'staticNat'], `public IP ${p.name} is the source NAT of network ${network} and cannot also be a static NAT`, address);
    }
    const seen = new Map<string, number>();
    forwards.forEach((f, j) => {
      const key = `${f.protocol}/${f.port}`;
      const before = seen.get(key);
      if (before === undefined) seen.set(key, j);
      else at([...path, 'portForwards', j], `port ${key} of public IP ${p.name} is forwarded twice (also portForwards[${before}])`, address);
    });
    if (!p.staticNat && forwards.length === 0 && network === undefined && !withRules.has(p.name)) {
      at(path, `public IP ${p.name} is not used: no network egresses through it and it has no static NAT, port forwards or firewall rules`, address, 'warning');
    }
  });

  spec.networks.forEach((n, i) => {
    if (!used.has(n.name) && !n.colocation) {
      at(['spec', 'networks', i], `network ${n.name} has no VMs and no colocation handoff`, networkAddress(tenant, n.name), 'warning');
    }
  });
  return out;
}

/** Why an address is not a usable host of a block, or undefined when it is. */
function hostProblem(block: Ipv4Block, ip: number): string | undefined {
  if (ip < block.first || ip > block.last) return 'is outside';
  if (block.prefix < 31 && ip === block.first) return 'is the network address';
  if (block.prefix < 31 && ip === block.last) return 'is the broadcast address';
  return undefined;
}
