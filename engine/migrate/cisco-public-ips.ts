/**
 * Public addresses collected from NAT rules, merged by address: a static 1:1 NAT, port
 * forwards and source NAT through the same address become one `ImportedPublicIp`. When the
 * address is "the outside interface's" and that interface has no fixed address (DHCP, dialer),
 * rows merge by interface and carry no address. A repeated translation is reported as a
 * duplicate; a contradicting one (same public port, other target) as a conflict.
 */
import type { ImportedPortForward, ImportedPublicIp, SourceLine } from './model.js';
import type { ConfigLine } from './cisco-config.js';
import type { Findings } from './cisco-findings.js';
import { formatIpv4 } from './cisco-ipv4.js';
import type { CiscoInterface } from './cisco-interfaces.js';

export interface NatTarget {
  readonly identity: string;
  readonly address?: string;
  readonly hints: readonly string[];
}

export const addressTarget = (address: string, hints: readonly string[] = []): NatTarget => ({ identity: `address ${address}`, address, hints });

/** "The interface's address": fixed when the interface has one, else merged by interface name. */
export function interfaceTarget(name: string, iface: CiscoInterface | undefined): NatTarget {
  const hints = [iface?.nameif, iface?.name ?? name].filter((h): h is string => h !== undefined);
  if (iface?.address) return addressTarget(formatIpv4(iface.address.ip), hints);
  return { identity: `interface ${iface?.name ?? name}`, hints };
}

interface Row {
  readonly target: NatTarget;
  readonly source: SourceLine;
  readonly hints: string[];
  staticNat?: { readonly ip: string; readonly line: number };
  readonly forwards: (ImportedPortForward & { readonly at: number })[];
  /** The forwards by `protocol/publicPort`: a file may hold thousands of forwards on one address. */
  readonly byPort: Map<string, ImportedPortForward & { readonly at: number }>;
  sourceNatFor?: Set<string>;
  /** Key lists already added: thousands of NAT rules may cover the same thousands of networks. */
  sourceNatLists?: WeakSet<readonly string[]>;
}

export type PortForward = Omit<ImportedPortForward, 'source'>;
export type Outcome = 'added' | 'duplicate' | 'conflict';
export interface PublicMatch {
  readonly address: string;
  readonly forwards?: readonly ImportedPortForward[];
}

export class PublicIpTable {
  private readonly rows = new Map<string, Row>();
  private index: Map<string, PublicMatch> | undefined;
  constructor(private readonly f: Findings) {}

  private row(target: NatTarget, line: ConfigLine): Row {
    this.index = undefined;
    const found = this.rows.get(target.identity);
    if (found) {
      for (const h of target.hints) if (!found.hints.includes(h)) found.hints.push(h);
      return found;
    }
    const made: Row = { target, source: this.f.source(line), hints: [...target.hints], forwards: [], byPort: new Map() };
    this.rows.set(target.identity, made);
    return made;
  }

  staticNat(target: NatTarget, privateIp: string, line: ConfigLine): Outcome {
    const row = this.row(target, line);
    const known = row.staticNat;
    if (!known) row.staticNat = { ip: privateIp, line: line.line };
    else if (known.ip === privateIp) return this.duplicate(line, known.line);
    else return this.conflict(line, 'conflicting static NAT', `${target.address ?? target.identity} already maps 1:1 to ${known.ip} (line ${known.line}); the spec has one 1:1 NAT per public address — decide which host keeps it`);
    return 'added';
  }

  portForward(target: NatTarget, fwd: PortForward, line: ConfigLine): Outcome {
    const row = this.row(target, line);
    const port = `${fwd.protocol}/${fwd.publicPort}`;
    const known = row.byPort.get(port);
    if (!known) {
      const added = { ...fwd, source: this.f.source(line), at: line.line };
      row.forwards.push(added);
      row.byPort.set(port, added);
    }
    else if (known.privateIp === fwd.privateIp && known.privatePort === fwd.privatePort) return this.duplicate(line, known.at);
    else return this.conflict(line, 'conflicting port forward', `${fwd.protocol}/${fwd.publicPort} on ${target.address ?? target.identity} already forwards to ${known.privateIp}:${known.privatePort} (line ${known.at}); decide which one to keep`);
    return 'added';
  }

  sourceNat(target: NatTarget, networkKeys: readonly string[], line: ConfigLine): void {
    const row = this.row(target, line);
    row.sourceNatFor ??= new Set();
    row.sourceNatLists ??= new WeakSet();
    if (row.sourceNatLists.has(networkKeys)) return;
    row.sourceNatLists.add(networkKeys);
    for (const k of networkKeys) row.sourceNatFor.add(k);
  }

  private duplicate(line: ConfigLine, first: number): Outcome {
    this.f.report(line, 'duplicate NAT', `same translation as line ${first}; nothing more to import (options on this line, if any, are not in the spec)`);
    return 'duplicate';
  }

  private conflict(line: ConfigLine, construct: string, reason: string): Outcome {
    this.f.report(line, construct, reason);
    return 'conflict';
  }

  /**
   * The public address an ACL destination stands for: the address itself, or (ASA 8.3+ ACLs
   * name real addresses) the private host it maps to 1:1 or forwards ports to. `forwards` is
   * set in the last case: the ACL's ports are then private ports.
   */
  publicFor(ip: string): PublicMatch | undefined {
    this.index ??= this.buildIndex();
    return this.index.get(ip);
  }

  /** Rows are complete once NAT is read; the firewall asks once per ACL entry, so look-ups go through a map. */
  private buildIndex(): Map<string, PublicMatch> {
    const index = new Map<string, PublicMatch>();
    const add = (ip: string, m: PublicMatch): void => void (index.has(ip) || index.set(ip, m));
    for (const r of this.rows.values()) {
      const address = r.target.address;
      if (address === undefined) continue;
      add(address, { address });
      if (r.staticNat) add(r.staticNat.ip, { address });
    }
    for (const r of this.rows.values()) {
      const address = r.target.address;
      if (address === undefined) continue;
      const byHost = new Map<string, ImportedPortForward[]>();
      for (const f of r.forwards) {
        const list = byHost.get(f.privateIp);
        if (list) list.push(f);
        else byHost.set(f.privateIp, [f]);
      }
      for (const [ip, forwards] of byHost) add(ip, { address, forwards });
    }
    return index;
  }

  publicIps(): ImportedPublicIp[] {
    return [...this.rows.values()].map((r) => ({
      ...(r.target.address ? { address: r.target.address } : {}),
      nameHints: r.hints,
      ...(r.staticNat ? { staticNatTo: r.staticNat.ip } : {}),
      ...(r.forwards.length > 0 ? { portForwards: r.forwards.map(({ at: _at, ...fwd }) => fwd) } : {}),
      ...(r.sourceNatFor ? { sourceNatFor: [...r.sourceNatFor] } : {}),
      source: r.source,
    }));
  }
}
