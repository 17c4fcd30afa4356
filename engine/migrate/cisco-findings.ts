/**
 * What one file yields, collected as the extractors run. Every fact and every unmapped entry
 * gets its `SourceLine` through `source`, which redacts secrets, so no extractor can leak a
 * key into report text. Blocks an extractor has dealt with (mapped or reported) are claimed;
 * whatever nobody claims is reported by cisco-leftovers.ts.
 *
 * Facts are added through the methods below, which stop the import (ImportTooLarge) the
 * moment one file makes more than IMPORT_LIMITS allows: work stays bounded by the limits,
 * whatever the file multiplies (object-groups, ranges).
 */
import type { ImportedFirewallRule, ImportedNetwork, ImportedPublicIp, ImportedVpnPeer, SourceLine, Unmapped } from './model.js';
import type { ConfigBlock, ConfigLine } from './cisco-config.js';
import { redactSecrets } from './cisco-redact.js';
import { FILE_LIMITS, IMPORT_LIMITS, ImportTooLarge, type ImportLimit } from './limits.js';

export class Findings {
  private readonly _networks: ImportedNetwork[] = [];
  private readonly _publicIps: ImportedPublicIp[] = [];
  private readonly _firewall: ImportedFirewallRule[] = [];
  private readonly _vpnPeers: ImportedVpnPeer[] = [];
  private readonly _unmapped: Unmapped[] = [];
  private addressBlocks = 0;
  private natRules = 0;
  private readonly claimed = new Set<number>();

  constructor(readonly file: string) {}

  get networks(): readonly ImportedNetwork[] {
    return this._networks;
  }
  get publicIps(): readonly ImportedPublicIp[] {
    return this._publicIps;
  }
  get firewall(): readonly ImportedFirewallRule[] {
    return this._firewall;
  }
  get vpnPeers(): readonly ImportedVpnPeer[] {
    return this._vpnPeers;
  }
  get unmapped(): readonly Unmapped[] {
    return this._unmapped;
  }

  addNetwork(n: ImportedNetwork): void {
    this.add(this._networks, n, 'networks');
  }

  /** Replaces the network at `index` (a fact learnt later, such as NAT inside). */
  replaceNetwork(index: number, n: ImportedNetwork): void {
    this._networks[index] = n;
  }

  addPublicIp(p: ImportedPublicIp): void {
    this.add(this._publicIps, p, 'publicIps');
  }

  addFirewallRule(r: ImportedFirewallRule): void {
    this.countBlocks(r.from.length);
    this.add(this._firewall, r, 'firewallRules');
  }

  addVpnPeer(p: ImportedVpnPeer): void {
    this.countBlocks(p.peerCidrs.length + p.localCidrs.length);
    this.add(this._vpnPeers, p, 'vpnPeers');
  }

  /** Each NAT rule read is matched against every imported network: their number is bounded per file. */
  countNatRule(): void {
    if (++this.natRules > FILE_LIMITS.natRules) throw new ImportTooLarge(this.file, 'natRules');
  }

  private countBlocks(n: number): void {
    this.addressBlocks += n;
    if (this.addressBlocks > IMPORT_LIMITS.addressBlocks) throw new ImportTooLarge(this.file, 'addressBlocks');
  }

  private add<T>(list: T[], item: T, limit: ImportLimit): void {
    if (list.length >= IMPORT_LIMITS[limit]) throw new ImportTooLarge(this.file, limit);
    list.push(item);
  }

  source(l: ConfigLine): SourceLine {
    return { file: this.file, line: l.line, text: redactSecrets(l.text) };
  }

  report(l: ConfigLine, construct: string, reason: string): void {
    this.add(this._unmapped, { source: this.source(l), construct: redactSecrets(construct), reason }, 'unmapped');
  }

  claim(block: ConfigBlock): void {
    this.claimed.add(block.index);
  }

  /** A list as long as the file allows: iterated, never spread into arguments. */
  claimAll(blocks: Iterable<ConfigBlock>): void {
    for (const b of blocks) this.claimed.add(b.index);
  }

  isClaimed(b: ConfigBlock): boolean {
    return this.claimed.has(b.index);
  }
}
