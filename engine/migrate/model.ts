/**
 * What the importers find in foreign files, before it becomes a Tenant spec. Each
 * importer (Cisco, RVTools, libvirt) turns its files into an `ImportResult` holding
 * only facts read from the files, each with the file and line it came from; it makes
 * no naming or zone decisions. `draft.ts` merges results and decides names, links VMs
 * to networks and checks values against the zone; `emit.ts` writes the YAML.
 *
 * Nothing is silently dropped: whatever a parser reads but cannot express here goes
 * to `unmapped` with its line and a reason a person can act on.
 */

/** Where an imported fact comes from. `file` is the path as the user gave it. */
export interface SourceLine {
  readonly file: string;
  /** 1-based line of the construct (the block's first line for multi-line blocks). */
  readonly line: number;
  /** The source line itself, trimmed, for reports (`interface Vlan200`). */
  readonly text?: string;
}

export interface ImportedNetwork {
  /** Identity of the network within its source, used by other facts to refer to it (`Vlan200`, `GigabitEthernet3.11`, `VM Network`, libvirt network name). */
  readonly key: string;
  /** Candidate names, best first: VLAN name, nameif, description, portgroup/network name, interface name. draft.ts makes a DNS label of the first usable one. */
  readonly nameHints: readonly string[];
  /** Network address in CIDR notation (host bits cleared), when the source says. */
  readonly cidr?: string;
  /** The router's own address on the network (SVI / subinterface / libvirt bridge IP). */
  readonly gateway?: string;
  /** 802.1Q VLAN id, when fixed in the source. */
  readonly vlan?: number;
  /** Other keys this network is known by in other sources (portgroup names, libvirt bridge names). */
  readonly aliases?: readonly string[];
  /** True when the source NATs this network's traffic out (IOS `ip nat inside` + overload, ASA dynamic interface NAT, libvirt forward mode nat). */
  readonly natInside?: boolean;
  /** Free text worth keeping as a comment (interface description). */
  readonly description?: string;
  readonly source: SourceLine;
}

export interface ImportedPortForward {
  readonly protocol: 'tcp' | 'udp';
  readonly publicPort: number;
  readonly privateIp: string;
  readonly privatePort: number;
  readonly source: SourceLine;
}

/** A public address the source uses: static NAT, port forwards, or source NAT (overload/PAT). */
export interface ImportedPublicIp {
  /** Dotted quad, or undefined when the source uses "the outside interface's address" and that address is not static (DHCP, dialer). */
  readonly address?: string;
  readonly nameHints: readonly string[];
  /** 1:1 static NAT to this private address. */
  readonly staticNatTo?: string;
  readonly portForwards?: readonly ImportedPortForward[];
  /** Keys of networks whose outbound traffic is source-NATed to this address (overload / PAT / pool). */
  readonly sourceNatFor?: readonly string[];
  readonly source: SourceLine;
}

export interface ImportedFirewallRule {
  /** Public address the rule admits traffic to. */
  readonly publicAddress: string;
  readonly protocol: 'tcp' | 'udp' | 'icmp';
  readonly ports?: readonly number[];
  /** Source CIDRs (`any` → 0.0.0.0/0). */
  readonly from: readonly string[];
  readonly source: SourceLine;
}

export interface ImportedIpsecPolicy {
  /** aes128 | aes192 | aes256 | 3des, when the source says (normalised). */
  readonly encryption?: string;
  /** md5 | sha1 | sha256 | sha384 | sha512 (normalised). */
  readonly hash?: string;
  /** Diffie-Hellman / PFS group number. */
  readonly group?: number;
  readonly lifetimeSeconds?: number;
}

export type ImportedSecret =
  | { readonly kind: 'value'; readonly value: string; readonly source: SourceLine }
  /** The source holds the secret masked (`*****`, `<removed>`, type 7/8 hash): a reference is generated, the value must be filled in. */
  | { readonly kind: 'masked'; readonly source: SourceLine };

export interface ImportedVpnPeer {
  /** Identity in the source (crypto map name + sequence, tunnel interface, tunnel-group). */
  readonly key: string;
  readonly nameHints: readonly string[];
  readonly peer: string;
  /** Remote networks (from the crypto ACL's destinations, or route-based: routes into the tunnel). */
  readonly peerCidrs: readonly string[];
  /** Local networks (crypto ACL sources) as CIDRs. */
  readonly localCidrs: readonly string[];
  readonly ike: ImportedIpsecPolicy;
  readonly esp: ImportedIpsecPolicy;
  readonly preSharedKey?: ImportedSecret;
  readonly source: SourceLine;
}

export interface ImportedDisk {
  /** Label in the source (`Hard disk 1`, `vda`). */
  readonly label: string;
  /** Size in bytes, when known. */
  readonly sizeBytes?: number;
  readonly source: SourceLine;
}

export interface ImportedNic {
  /** Network key or alias it attaches to (portgroup name, libvirt network/bridge name), when known. */
  readonly network?: string;
  readonly ip?: string;
  readonly vlan?: number;
  readonly mac?: string;
}

export interface ImportedVm {
  readonly name: string;
  readonly hypervisor: 'kvm' | 'xenserver' | 'vmware';
  readonly cpu?: number;
  readonly memoryBytes?: number;
  /** First disk is the boot disk. */
  readonly disks: readonly ImportedDisk[];
  readonly nics: readonly ImportedNic[];
  readonly poweredOn?: boolean;
  /** Guest OS as the source names it (`Microsoft Windows Server 2019 (64-bit)`, libosinfo id). */
  readonly guestOs?: string;
  readonly source: SourceLine;
}

export interface Unmapped {
  readonly source: SourceLine;
  /** What it is, in a few words (`router ospf 1`, `AnyConnect remote-access VPN`, `vHost row`). */
  readonly construct: string;
  /** Why it is not in the spec, and what to do about it. */
  readonly reason: string;
}

export interface ImportResult {
  /** The format each file was read as (`cisco-ios`, `cisco-asa`, `rvtools-vinfo`, `libvirt-domain`, …), by file. */
  readonly formats: ReadonlyMap<string, string>;
  readonly networks: readonly ImportedNetwork[];
  readonly publicIps: readonly ImportedPublicIp[];
  readonly firewall: readonly ImportedFirewallRule[];
  readonly vpnPeers: readonly ImportedVpnPeer[];
  readonly vms: readonly ImportedVm[];
  readonly unmapped: readonly Unmapped[];
}

/** A file that is not of the importer's format at all: the CLI reports it and exits non-zero. */
export class UnsupportedFormat extends Error {
  constructor(readonly file: string, readonly why: string) {
    super(`${file}: ${why}`);
    this.name = 'UnsupportedFormat';
  }
}

export const emptyResult = (): ImportResult => ({ formats: new Map(), networks: [], publicIps: [], firewall: [], vpnPeers: [], vms: [], unmapped: [] });
