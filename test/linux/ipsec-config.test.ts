import { describe, expect, it } from 'vitest';
import {
  childLifetimes,
  connectionSection,
  DH_GROUPS,
  ikeLifetimes,
  proposal,
  sharedKeyMessage,
  strongswanConf,
  swanctlText,
  tunnelProblems,
  type IpsecPolicy,
  type TunnelConfig,
} from '../../providers/linux/ipsec-config.js';
import { decodeMessage, decodePacket, encodeMessage, encodePacket } from '../../providers/linux/ipsec-vici.js';

const PSK = 'correct horse battery staple';

/** The spec's example tunnel: aes256/sha256/group 14/8h, ESP aes256/sha256/PFS 14/1h. */
const office: TunnelConfig = {
  name: 'hq',
  localAddress: '203.0.113.10',
  peer: '198.51.100.20',
  localCidrs: ['10.20.0.0/24'],
  peerCidrs: ['192.168.1.0/24', '192.168.2.0/24'],
  ike: { encryption: 'aes256', hash: 'sha256', group: 14, lifetimeSeconds: 8 * 3600 },
  esp: { encryption: 'aes256', hash: 'sha256', group: 14, lifetimeSeconds: 3600 },
  psk: PSK,
  dpd: true,
};

const policy = (p: Partial<IpsecPolicy>): IpsecPolicy => ({ encryption: 'aes256', hash: 'sha256', group: 14, lifetimeSeconds: 3600, ...p });

describe('a policy becomes a swanctl proposal', () => {
  it.each([
    { reason: 'the spec example', given: policy({}), want: 'aes256-sha256-modp2048' },
    { reason: 'ESP without PFS names no group', given: policy({ group: null }), want: 'aes256-sha256' },
    { reason: 'legacy peers: 3DES, MD5, group 2', given: policy({ encryption: '3des', hash: 'md5', group: 2 }), want: '3des-md5-modp1024' },
    { reason: 'AES-128 with SHA-1 and group 5', given: policy({ encryption: 'aes128', hash: 'sha1', group: 5 }), want: 'aes128-sha1-modp1536' },
    { reason: 'AES-192 with SHA-384 and an elliptic curve', given: policy({ encryption: 'aes192', hash: 'sha384', group: 19 }), want: 'aes192-sha384-ecp256' },
    { reason: 'SHA-512 with the largest curve', given: policy({ hash: 'sha512', group: 21 }), want: 'aes256-sha512-ecp521' },
  ])('$reason', ({ given, want }) => {
    expect(proposal(given)).toBe(want);
  });

  it('maps every DH group the spec admits to its IANA name', () => {
    expect(DH_GROUPS).toEqual({ 2: 'modp1024', 5: 'modp1536', 14: 'modp2048', 15: 'modp3072', 16: 'modp4096', 19: 'ecp256', 20: 'ecp384', 21: 'ecp521' });
  });
});

describe('a lifetime is the hard limit, rekeying starts at 90%', () => {
  it.each([
    { reason: 'IKE, 8h: rekey at 7h12m, hard limit after 48 more minutes', given: 8 * 3600, want: { rekey_time: '25920s', over_time: '2880s' } },
    { reason: 'IKE, odd seconds round the rekey down', given: 61, want: { rekey_time: '54s', over_time: '7s' } },
  ])('$reason', ({ given, want }) => {
    expect(ikeLifetimes(given)).toEqual(want);
  });

  it.each([
    { reason: 'ESP, 1h: rekey at 54 minutes, gone at 60', given: 3600, want: { rekey_time: '3240s', life_time: '3600s' } },
    { reason: 'ESP, a second still rekeys before it expires', given: 1, want: { rekey_time: '1s', life_time: '1s' } },
  ])('$reason', ({ given, want }) => {
    expect(childLifetimes(given)).toEqual(want);
  });
});

describe('the connection charon is given', () => {
  it('is the spec policy with forced UDP encapsulation, kept up by charon', () => {
    expect(swanctlText(connectionSection(office))).toMatchInlineSnapshot(`
      "hq {
        version = 2
        local_addrs = 203.0.113.10
        remote_addrs = 198.51.100.20
        encap = yes
        mobike = no
        keyingtries = 0
        proposals = aes256-sha256-modp2048
        rekey_time = 25920s
        over_time = 2880s
        dpd_delay = 30s
        local {
          auth = psk
          id = 203.0.113.10
        }
        remote {
          auth = psk
          id = 198.51.100.20
        }
        children {
          hq {
            local_ts = 10.20.0.0/24
            remote_ts = 192.168.1.0/24,192.168.2.0/24
            esp_proposals = aes256-sha256-modp2048
            rekey_time = 3240s
            life_time = 3600s
            start_action = start
            close_action = start
            dpd_action = restart
          }
        }
      }"
    `);
  });

  it('has dpd_delay 0 when DPD is off', () => {
    const section = connectionSection({ ...office, dpd: false })['hq'];
    expect(section).toMatchObject({ dpd_delay: '0s' });
  });

  it('never carries the PSK; only the load-shared message does', () => {
    expect(JSON.stringify(connectionSection(office))).not.toContain(PSK);
    expect(swanctlText(connectionSection(office))).not.toContain(PSK);
    expect(sharedKeyMessage(office)).toEqual({ id: 'psk-hq', type: 'IKE', data: PSK, owners: ['203.0.113.10', '198.51.100.20'] });
  });
});

describe('a tunnel config that cannot work is refused before charon sees it', () => {
  it.each([
    { reason: 'the spec example is fine', given: office, want: [] },
    { reason: 'names are DNS labels', given: { ...office, name: 'HQ tunnel' }, want: ['tunnel name "HQ tunnel" is not a DNS label'] },
    { reason: 'the peer is an IPv4 address', given: { ...office, peer: 'hq.example.com' }, want: ['peer "hq.example.com" is not an IPv4 address'] },
    { reason: 'traffic selectors are CIDRs', given: { ...office, localCidrs: ['10.20.0.0/33'], peerCidrs: [] }, want: ['local CIDR "10.20.0.0/33" is not an IPv4 CIDR', 'no peer CIDRs'] },
    { reason: 'IKE needs a DH group', given: { ...office, ike: { ...office.ike, group: null as unknown as 14 } }, want: ['ike: unsupported DH group null'] },
    { reason: 'only the groups the spec admits', given: { ...office, esp: policy({ group: 1 as 2 }) }, want: ['esp: unsupported DH group 1'] },
    { reason: 'lifetimes are whole seconds', given: { ...office, esp: policy({ lifetimeSeconds: 0.5 }) }, want: ['esp: lifetime must be a positive number of seconds, not 0.5'] },
    { reason: 'an empty PSK is refused without being shown', given: { ...office, psk: '' }, want: ['the pre-shared key is empty'] },
  ])('$reason', ({ given, want }) => {
    const problems = tunnelProblems(given);
    expect(problems).toEqual(want);
    for (const problem of problems) expect(problem).not.toContain(PSK);
  });
});

describe('each charon instance has its own strongswan.conf', () => {
  it('loads only the plugins it needs, serves VICI in its own directory and logs at level 1', () => {
    expect(strongswanConf('/run')).toMatchInlineSnapshot(`
      "# Written by netfirst for one charon instance (providers/linux/ipsec-charon.ts).
      charon {
        load_modular = no
        load = random nonce openssl gmp aes sha1 sha2 md5 hmac kdf kernel-libipsec kernel-netlink socket-default vici
        install_virtual_ip = no
        # Re-authentication (loadTunnel of a loaded tunnel) builds the new IKE_SA before deleting the old one.
        make_before_break = yes
        # Waits 2, 3.6, 6.5, 11.7, 21 s, then gives up and retries: ~45 s per attempt at a dead peer, not ~3 min.
        retransmit_timeout = 2.0
        retransmit_tries = 4
        plugins {
          vici {
            socket = unix:///run/charon.vici
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
      "
    `);
  });
});

describe('VICI messages are encoded as strongSwan documents them', () => {
  /** The encoding example of strongSwan's src/libcharon/plugins/vici/README.md. */
  const example = { key1: 'value1', section1: { 'sub-section': { key2: 'value2' }, list1: ['item1', 'item2'] } };
  const exampleBytes = Buffer.from([
    3, 4, ...Buffer.from('key1'), 0, 6, ...Buffer.from('value1'),
    1, 8, ...Buffer.from('section1'),
    1, 11, ...Buffer.from('sub-section'),
    3, 4, ...Buffer.from('key2'), 0, 6, ...Buffer.from('value2'),
    2,
    4, 5, ...Buffer.from('list1'),
    5, 0, 5, ...Buffer.from('item1'),
    5, 0, 5, ...Buffer.from('item2'),
    6,
    2,
  ]);

  it('encodes the README example byte for byte', () => {
    expect(encodeMessage(example).equals(exampleBytes)).toBe(true);
  });

  it('decodes it back', () => {
    expect(decodeMessage(exampleBytes)).toEqual(example);
  });

  it('frames a named request with its length', () => {
    const segment = encodePacket(0, 'version', {});
    expect([...segment]).toEqual([0, 0, 0, 9, 0, 7, ...Buffer.from('version')]);
    expect(decodePacket(segment.subarray(4))).toEqual({ type: 0, name: 'version', message: {} });
  });

  it.each([
    { reason: 'a section that never ends', given: Buffer.from([1, 1, 0x61]) },
    { reason: 'a value longer than the message', given: Buffer.from([3, 1, 0x61, 0, 9, 0x62]) },
    { reason: 'a key inside a list', given: Buffer.from([4, 1, 0x61, 3, 1, 0x62, 0, 0]) },
  ])('refuses $reason', ({ given }) => {
    expect(() => decodeMessage(given)).toThrow(/malformed VICI message/);
  });
});
