/**
 * What charon is told, as pure functions: a tunnel's IKE/ESP policy becomes swanctl
 * proposals and lifetimes, the tunnel becomes a VICI `load-conn` section (no secret in
 * it) and a separate `load-shared` section (the only place the PSK appears), and an
 * instance gets its strongswan.conf. Nothing here touches the system.
 */
import { isIP } from 'node:net';
import { parseCidr } from '../../specs/model/net/ipv4.js';
import { isList, type ViciSection } from './ipsec-vici.js';

/** swanctl keywords for the spec's values. */
export const ENCRYPTIONS = { aes128: 'aes128', aes192: 'aes192', aes256: 'aes256', '3des': '3des' } as const;
/** For IKE the hash names both the integrity algorithm and the PRF (strongSwan derives one from the other). */
export const HASHES = { md5: 'md5', sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' } as const;
/** IANA Diffie-Hellman group numbers → swanctl names. */
export const DH_GROUPS = { 2: 'modp1024', 5: 'modp1536', 14: 'modp2048', 15: 'modp3072', 16: 'modp4096', 19: 'ecp256', 20: 'ecp384', 21: 'ecp521' } as const;

export type Encryption = keyof typeof ENCRYPTIONS;
export type Hash = keyof typeof HASHES;
export type DhGroup = keyof typeof DH_GROUPS;

/**
 * One phase's policy. For IKE `group` is the DH group (required); for ESP it is the PFS
 * group, or null for no PFS. `lifetimeSeconds` is the hard limit: the SA never lives
 * longer, and rekeying starts at 90% of it.
 */
export interface IpsecPolicy<G extends DhGroup | null = DhGroup | null> {
  readonly encryption: Encryption;
  readonly hash: Hash;
  readonly group: G;
  readonly lifetimeSeconds: number;
}

export interface TunnelConfig {
  /** A DNS label; names the IKE connection, its CHILD_SA and its shared key in charon. */
  readonly name: string;
  /** The router's public address: IKE source and its IKE identity. */
  readonly localAddress: string;
  /** The peer's public address: IKE destination and its IKE identity. */
  readonly peer: string;
  readonly localCidrs: readonly string[];
  readonly peerCidrs: readonly string[];
  readonly ike: IpsecPolicy<DhGroup>;
  readonly esp: IpsecPolicy;
  /** The resolved pre-shared key: sent to charon over VICI only, never written or logged. */
  readonly psk: string;
  readonly dpd: boolean;
}

/** Seconds between DPD probes when `dpd` is on; charon declares the peer dead after its retransmits (~2.5 min). */
export const DPD_DELAY_SECONDS = 30;

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** What is wrong with a tunnel config, for a ProviderError('invalid'); empty when it is usable. Never mentions the PSK's value. */
export function tunnelProblems(t: TunnelConfig): string[] {
  const problems: string[] = [];
  if (!DNS_LABEL.test(t.name)) problems.push(`tunnel name ${JSON.stringify(t.name)} is not a DNS label`);
  if (isIP(t.localAddress) !== 4) problems.push(`local address ${JSON.stringify(t.localAddress)} is not an IPv4 address`);
  if (isIP(t.peer) !== 4) problems.push(`peer ${JSON.stringify(t.peer)} is not an IPv4 address`);
  for (const [side, cidrs] of [['local', t.localCidrs], ['peer', t.peerCidrs]] as const) {
    if (cidrs.length === 0) problems.push(`no ${side} CIDRs`);
    for (const cidr of cidrs) if (parseCidr(cidr) === undefined) problems.push(`${side} CIDR ${JSON.stringify(cidr)} is not an IPv4 CIDR`);
  }
  for (const [phase, policy] of [['ike', t.ike], ['esp', t.esp]] as const) problems.push(...policyProblems(phase, policy));
  if (t.psk.length === 0) problems.push('the pre-shared key is empty');
  else if (Buffer.byteLength(t.psk) > 0xffff) problems.push('the pre-shared key is longer than 65535 bytes');
  return problems;
}

function policyProblems(phase: 'ike' | 'esp', p: IpsecPolicy): string[] {
  const problems: string[] = [];
  if (!(p.encryption in ENCRYPTIONS)) problems.push(`${phase}: unknown encryption ${JSON.stringify(p.encryption)}`);
  if (!(p.hash in HASHES)) problems.push(`${phase}: unknown hash ${JSON.stringify(p.hash)}`);
  if (p.group === null ? phase === 'ike' : !(p.group in DH_GROUPS)) problems.push(`${phase}: unsupported DH group ${String(p.group)}`);
  if (!Number.isInteger(p.lifetimeSeconds) || p.lifetimeSeconds < 1) problems.push(`${phase}: lifetime must be a positive number of seconds, not ${p.lifetimeSeconds}`);
  return problems;
}

/** `aes256-sha256-modp2048`; without a group (ESP without PFS) `aes256-sha256`. */
export function proposal(p: IpsecPolicy): string {
  const parts: string[] = [ENCRYPTIONS[p.encryption], HASHES[p.hash]];
  if (p.group !== null) parts.push(DH_GROUPS[p.group]);
  return parts.join('-');
}

/** Rekeying starts at 90% of the lifetime; the remaining 10% is the hard margin. */
export function rekeySeconds(lifetimeSeconds: number): number {
  return Math.max(1, Math.floor(lifetimeSeconds * 0.9));
}

/**
 * IKE_SA timing. strongSwan has no IKE "life_time": the hard limit is rekey_time +
 * over_time, so over_time is what remains of the lifetime. rand_time (jitter, subtracted
 * from rekey_time) defaults to min(over_time, rekey_time/2), which keeps the limit.
 */
export function ikeLifetimes(lifetimeSeconds: number): { rekey_time: string; over_time: string } {
  const rekey = rekeySeconds(lifetimeSeconds);
  return { rekey_time: `${rekey}s`, over_time: `${Math.max(0, lifetimeSeconds - rekey)}s` };
}

/** CHILD_SA timing: life_time is the hard limit; rand_time defaults to life_time - rekey_time. */
export function childLifetimes(lifetimeSeconds: number): { rekey_time: string; life_time: string } {
  return { rekey_time: `${rekeySeconds(lifetimeSeconds)}s`, life_time: `${lifetimeSeconds}s` };
}

/**
 * The `load-conn` section for a tunnel (the swanctl.conf `connections.<name>` block).
 * Choices that hold for every tunnel:
 * - IKEv2, PSK authentication, each side identified by its public address.
 * - `encap = yes`: charon's kernel-libipsec backend carries ESP only inside UDP 4500
 *   (it has no raw ESP socket), so UDP encapsulation is forced even without NAT.
 * - `start_action = start`, `close_action = start`, `dpd_action = restart`,
 *   `keyingtries = 0`: the tunnel is brought up at load and kept up, retrying forever.
 *   Traps (on-demand) are not used: libipsec drops packets without an SA instead of
 *   raising an acquire, so a trapped tunnel would never come up from traffic.
 * - `mobike = no`: the router has one public address; MOBIKE could otherwise move the
 *   SA to another local address (a LAN leg) when ext0 flaps.
 */
export function connectionSection(t: TunnelConfig): ViciSection {
  return {
    [t.name]: {
      version: '2',
      local_addrs: [t.localAddress],
      remote_addrs: [t.peer],
      encap: 'yes',
      mobike: 'no',
      keyingtries: '0',
      proposals: [proposal(t.ike)],
      ...ikeLifetimes(t.ike.lifetimeSeconds),
      dpd_delay: t.dpd ? `${DPD_DELAY_SECONDS}s` : '0s',
      local: { auth: 'psk', id: t.localAddress },
      remote: { auth: 'psk', id: t.peer },
      children: {
        [t.name]: {
          local_ts: [...t.localCidrs],
          remote_ts: [...t.peerCidrs],
          esp_proposals: [proposal(t.esp)],
          ...childLifetimes(t.esp.lifetimeSeconds),
          start_action: 'start',
          close_action: 'start',
          dpd_action: 'restart',
        },
      },
    },
  };
}

/** The id under which a tunnel's PSK is loaded, so it can be replaced and unloaded alone. */
export function sharedKeyId(tunnelName: string): string {
  return `psk-${tunnelName}`;
}

/**
 * The `load-shared` message: the only structure that holds the PSK. It is handed to the
 * VICI socket and dropped; never log it, render it or put it in an error.
 */
export function sharedKeyMessage(t: TunnelConfig): ViciSection {
  return { id: sharedKeyId(t.name), type: 'IKE', data: t.psk, owners: [t.localAddress, t.peer] };
}

/**
 * A section tree in swanctl.conf syntax, for people: the connection charon was given, as
 * `swanctl --list-conns` readers expect it. Only ever called on connection sections,
 * which carry no secret.
 */
export function swanctlText(section: ViciSection, indent = ''): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(section)) {
    if (typeof value === 'string') lines.push(`${indent}${key} = ${value}`);
    else if (isList(value)) lines.push(`${indent}${key} = ${value.join(',')}`);
    else lines.push(`${indent}${key} {`, swanctlText(value, `${indent}  `), `${indent}}`);
  }
  return lines.join('\n');
}

/**
 * Plugins charon loads, and nothing else (no /etc/strongswan.d, no stroke socket, no
 * /etc/ipsec.secrets): crypto for every ENCRYPTIONS/HASHES/DH_GROUPS value (openssl
 * covers them all, 3DES and the ECP groups included; the others are strongSwan's own
 * implementations), the userspace ESP backend, netlink for routes, the IKE sockets,
 * and VICI. The integration test negotiates every value with this list.
 */
export const CHARON_PLUGINS = [
  'random', 'nonce', 'openssl', 'gmp', 'aes', 'sha1', 'sha2', 'md5', 'hmac', 'kdf',
  'kernel-libipsec', 'kernel-netlink', 'socket-default', 'vici',
] as const;

/**
 * The strongswan.conf of one instance. `runDir` is where charon sees the instance
 * directory (its /run, see ipsec-charon.ts), so the VICI socket lands there.
 * Logging goes to stderr (the instance's charon.log) at level 1 for every subsystem:
 * level 4 would print key material, so it is pinned here rather than inherited.
 */
export function strongswanConf(runDir: string): string {
  return `# Written by netfirst for one charon instance (providers/linux/ipsec-charon.ts).
charon {
  load_modular = no
  load = ${CHARON_PLUGINS.join(' ')}
  install_virtual_ip = no
  # Re-authentication (loadTunnel of a loaded tunnel) builds the new IKE_SA before deleting the old one.
  make_before_break = yes
  # Waits 2, 3.6, 6.5, 11.7, 21 s, then gives up and retries: ~45 s per attempt at a dead peer, not ~3 min.
  retransmit_timeout = 2.0
  retransmit_tries = 4
  plugins {
    vici {
      socket = unix://${runDir}/charon.vici
    }
  }
  filelog {
    stderr {
      default = 1
      ike_name = yes
      time_format = %F %T
    }
  }
}
`;
}
