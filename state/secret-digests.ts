/**
 * Rewriting recorded secret digests in place: how a state made before the secret key
 * (digests keyed by the lineage) moves to digests keyed by it. Only the named sensitive
 * attributes change, and only where they still hold the digest the caller saw (a
 * compare-and-set), all in one transaction; nothing was asked of a provider, so no
 * operation is journalled and no lifecycle event is appended.
 */
import type Database from 'better-sqlite3';
import type { ResourceTable } from './resources.js';

/** `attribute` of the resource at `address` goes from digest `from` to digest `to`. */
export interface DigestRewrite {
  readonly address: string;
  readonly attribute: string;
  readonly from: string;
  readonly to: string;
}

/** Applies the rewrites that still match; returns how many resources changed. The serial goes up when any did. */
export type RewriteSecretDigests = (rewrites: readonly DigestRewrite[]) => number;

export function prepareDigestRewrites(db: Database.Database, resources: ResourceTable, verifyFile: () => void = () => undefined): RewriteSecretDigests {
  const bumpSerial = db.prepare("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'serial'");
  const rewrite = db.transaction((rewrites: readonly DigestRewrite[]): number => {
    const byAddress = new Map<string, DigestRewrite[]>();
    for (const r of rewrites) byAddress.set(r.address, [...(byAddress.get(r.address) ?? []), r]);
    let changed = 0;
    for (const [address, list] of byAddress) {
      const row = resources.get(address);
      if (!row) continue;
      const attributes = { ...row.attributes };
      let touched = false;
      for (const r of list) {
        if (!row.sensitive.includes(r.attribute) || attributes[r.attribute] !== r.from) continue;
        attributes[r.attribute] = r.to;
        touched = true;
      }
      if (!touched) continue;
      resources.write({ ...row, attributes });
      changed++;
    }
    if (changed > 0) bumpSerial.run();
    return changed;
  });
  return (rewrites) => {
    if (rewrites.length === 0) return 0;
    verifyFile();
    return rewrite.immediate(rewrites);
  };
}
