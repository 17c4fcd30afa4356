/**
 * What one file yields, collected as the extractors run. Every fact and every unmapped entry
 * gets its `SourceLine` through `source`, which redacts secrets, so no extractor can leak a
 * key into report text. Blocks an extractor has dealt with (mapped or reported) are claimed;
 * whatever nobody claims is reported by cisco-leftovers.ts.
 */
import type { ImportedFirewallRule, ImportedNetwork, ImportedPublicIp, ImportedVpnPeer, SourceLine, Unmapped } from './model.js';
import type { ConfigBlock, ConfigLine } from './cisco-config.js';
import { redactSecrets } from './cisco-redact.js';

export class Findings {
  readonly networks: ImportedNetwork[] = [];
  readonly publicIps: ImportedPublicIp[] = [];
  readonly firewall: ImportedFirewallRule[] = [];
  readonly vpnPeers: ImportedVpnPeer[] = [];
  readonly unmapped: Unmapped[] = [];
  private readonly claimed = new Set<number>();

  constructor(readonly file: string) {}

  source(l: ConfigLine): SourceLine {
    return { file: this.file, line: l.line, text: redactSecrets(l.text) };
  }

  report(l: ConfigLine, construct: string, reason: string): void {
    this.unmapped.push({ source: this.source(l), construct: redactSecrets(construct), reason });
  }

  claim(...blocks: readonly ConfigBlock[]): void {
    for (const b of blocks) this.claimed.add(b.index);
  }

  isClaimed(b: ConfigBlock): boolean {
    return this.claimed.has(b.index);
  }
}
