/**
 * Bounds on what `netfirst import` reads and makes, so that a huge or hostile export
 * costs bounded time and memory and ends in one clean diagnostic, never a crash or a
 * hang — the importers' counterpart of specs/limits.ts. Each bound is far above one
 * colocation customer's equipment (README, "Migration: import and adoption", lists them).
 *
 * The importers enforce them as they go (Cisco's findings stop at the bound; address
 * expansion is capped where it happens) and importTenant checks every result, so no
 * importer hands the drafting step more than these.
 */
import type { ImportResult, SourceLine } from './model.js';

/**
 * Largest file read: a big Cisco configuration (a core router, an ASA with years of
 * ACLs) is a few MiB; an RVTools vInfo tab holds about 500 bytes per VM.
 */
export const MAX_IMPORT_FILE_BYTES = 8 * 2 ** 20;

/** Most files in one import (an RVTools export is about 25 tabs). */
export const MAX_IMPORT_FILES = 256;

/** What one import may make: one tenant's worth, with room to spare. */
export const IMPORT_LIMITS = {
  /** The VLAN space. */
  networks: 4096,
  vms: 4096,
  /** NICs and disks of all VMs together. */
  nics: 16_384,
  disks: 16_384,
  publicIps: 4096,
  firewallRules: 16_384,
  vpnPeers: 1024,
  /** Source and peer CIDRs across all firewall rules and VPN peers (object-groups multiply them). */
  addressBlocks: 65_536,
  /** Report lines: constructs not mapped to the spec. */
  unmapped: 100_000,
} as const;

export type ImportLimit = keyof typeof IMPORT_LIMITS;

/**
 * Most address blocks one Cisco object-group may expand to, and all object-groups of a
 * file together: nested groups can double in size per level ("billion laughs" of
 * addresses). A group past either is unresolved, with the reason.
 */
export const MAX_GROUP_BLOCKS = 4096;
export const MAX_FILE_GROUP_BLOCKS = 262_144;

/**
 * What one file may hold of the constructs an importer compares with one another: each
 * NAT rule is matched against every imported network, each XML element becomes a DOM
 * node of a few hundred bytes. Far above real equipment (an ASA's NAT table is dozens
 * to hundreds of rules; a libvirt domain is about 150 elements).
 */
export const FILE_LIMITS = {
  natRules: 16_384,
  xmlElements: 100_000,
} as const;

export type FileLimit = keyof typeof FILE_LIMITS;

/** Each limit as the diagnostic states it. */
const LIMIT_TEXT: { readonly [K in ImportLimit | FileLimit]: readonly [bound: number, what: string] } = {
  networks: [IMPORT_LIMITS.networks, 'networks in one import'],
  vms: [IMPORT_LIMITS.vms, 'VMs in one import'],
  nics: [IMPORT_LIMITS.nics, 'VM NICs in one import'],
  disks: [IMPORT_LIMITS.disks, 'VM disks in one import'],
  publicIps: [IMPORT_LIMITS.publicIps, 'public IPs in one import'],
  firewallRules: [IMPORT_LIMITS.firewallRules, 'firewall rules in one import'],
  vpnPeers: [IMPORT_LIMITS.vpnPeers, 'VPN peers in one import'],
  addressBlocks: [IMPORT_LIMITS.addressBlocks, 'source and peer CIDRs in one import'],
  unmapped: [IMPORT_LIMITS.unmapped, 'unmapped constructs in one import'],
  natRules: [FILE_LIMITS.natRules, 'NAT rules in one file'],
  xmlElements: [FILE_LIMITS.xmlElements, 'XML elements in one file'],
};

/** An import made, or a file holds, more of something than the limits allow: the CLI reports it and writes nothing. */
export class ImportTooLarge extends Error {
  /** `file` names the file that made them (or the files, when none did alone). */
  constructor(
    readonly file: string,
    readonly limit: ImportLimit | FileLimit,
  ) {
    const [bound, what] = LIMIT_TEXT[limit];
    super(`${file}: more than ${bound.toLocaleString('en-US')} ${what}`);
    this.name = 'ImportTooLarge';
  }
}

/**
 * Throws ImportTooLarge when a result holds more than IMPORT_LIMITS allows, naming the
 * file with the most of it (or every file, when only their sum is over).
 */
export function checkImportLimits(result: ImportResult): void {
  const counted: { readonly [K in ImportLimit]: readonly { readonly source: SourceLine; readonly n?: number }[] } = {
    networks: result.networks,
    vms: result.vms,
    nics: result.vms.map((vm) => ({ source: vm.source, n: vm.nics.length })),
    disks: result.vms.map((vm) => ({ source: vm.source, n: vm.disks.length })),
    publicIps: result.publicIps,
    firewallRules: result.firewall,
    vpnPeers: result.vpnPeers,
    addressBlocks: [
      ...result.firewall.map((r) => ({ source: r.source, n: r.from.length })),
      ...result.vpnPeers.map((p) => ({ source: p.source, n: p.peerCidrs.length + p.localCidrs.length })),
    ],
    unmapped: result.unmapped,
  };
  for (const limit of Object.keys(IMPORT_LIMITS) as ImportLimit[]) {
    const items = counted[limit];
    const perFile = new Map<string, number>();
    let total = 0;
    for (const item of items) {
      const n = item.n ?? 1;
      total += n;
      perFile.set(item.source.file, (perFile.get(item.source.file) ?? 0) + n);
    }
    if (total <= IMPORT_LIMITS[limit]) continue;
    const [worst, most = 0] = [...perFile].reduce((a, b) => (b[1] > a[1] ? b : a), ['', 0] as [string, number]);
    throw new ImportTooLarge(most > IMPORT_LIMITS[limit] ? worst : [...perFile.keys()].join(', '), limit);
  }
}
