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

/**
 * Largest file read: a big Cisco configuration (a core router, an ASA with years of
 * ACLs) is a few MiB; an RVTools tab of 10,000 VMs about 5 MiB.
 */
export const MAX_IMPORT_FILE_BYTES = 8 * 2 ** 20;

/** Most files in one import (an RVTools export is about 25 tabs). */
export const MAX_IMPORT_FILES = 256;

/** What one import may make: one tenant's worth, with room to spare. */
export const IMPORT_LIMITS = {
  /** The VLAN space. */
  networks: 4096,
  vms: 4096,
  publicIps: 4096,
  firewallRules: 16_384,
  vpnPeers: 1024,
  /** Source and peer CIDRs across all firewall rules and VPN peers (object-groups multiply them). */
  addressBlocks: 65_536,
  /** Report lines: constructs not mapped to the spec. */
  unmapped: 100_000,
} as const;

export type ImportLimit = keyof typeof IMPORT_LIMITS;

/** How each limit is named in the diagnostic. */
export const LIMIT_NOUNS: { readonly [K in ImportLimit]: string } = {
  networks: 'networks',
  vms: 'VMs',
  publicIps: 'public IPs',
  firewallRules: 'firewall rules',
  vpnPeers: 'VPN peers',
  addressBlocks: 'source and peer CIDRs',
  unmapped: 'unmapped constructs',
};

/**
 * Most address blocks one Cisco object-group may expand to, and all object-groups of a
 * file together: nested groups can double in size per level ("billion laughs" of
 * addresses). A group past either is unresolved, with the reason.
 */
export const MAX_GROUP_BLOCKS = 4096;
export const MAX_FILE_GROUP_BLOCKS = 262_144;

/** Most XML elements one libvirt file may nest (libvirt's own nest about 6 levels). */
export const MAX_XML_DEPTH = 64;

/** A file's import made more of something than IMPORT_LIMITS allows: the CLI reports it and writes nothing. */
export class ImportTooLarge extends Error {
  constructor(
    readonly file: string,
    readonly limit: ImportLimit,
  ) {
    super(`${file}: more than ${IMPORT_LIMITS[limit].toLocaleString('en-US')} ${LIMIT_NOUNS[limit]} in one import`);
    this.name = 'ImportTooLarge';
  }
}
