/**
 * Port names as IOS and ASA print them in ACLs and static NATs (`eq www`, `tcp 10.5.80.16 aol …`).
 * The tables follow Cisco's documented keyword lists; a name not here is reported, not guessed.
 */

const BOTH: Readonly<Record<string, number>> = {
  cifs: 3020, discard: 9, domain: 53, echo: 7, http: 80, kerberos: 750, 'pim-auto-rp': 496,
  sip: 5060, sunrpc: 111, tacacs: 49, talk: 517, www: 80, nameserver: 42,
};

const TCP: Readonly<Record<string, number>> = {
  ...BOTH,
  aol: 5190, bgp: 179, chargen: 19, 'citrix-ica': 1494, cmd: 514, ctiqbe: 2748, daytime: 13, exec: 512,
  finger: 79, ftp: 21, 'ftp-data': 20, gopher: 70, h323: 1720, hostname: 101, https: 443, ident: 113,
  imap4: 143, irc: 194, klogin: 543, kshell: 544, ldap: 389, ldaps: 636, login: 513, lotusnotes: 1352,
  lpd: 515, 'netbios-ssn': 139, nntp: 119, 'pcanywhere-data': 5631, pop2: 109, pop3: 110, pptp: 1723,
  rsh: 514, rtsp: 554, smtp: 25, sqlnet: 1521, ssh: 22, telnet: 23, uucp: 540, whois: 43, msrpc: 135,
  drip: 3949, 'rtr': 2065, 'ssl': 443, 'pop3s': 995, 'imap4s': 993, 'ftps': 990, 'smtps': 465,
};

const UDP: Readonly<Record<string, number>> = {
  ...BOTH,
  biff: 512, bootpc: 68, bootps: 67, dnsix: 195, isakmp: 500, 'mobile-ip': 434, 'netbios-dgm': 138,
  'netbios-ns': 137, 'non500-isakmp': 4500, ntp: 123, 'pcanywhere-status': 5632, radius: 1645,
  'radius-acct': 1646, rip: 520, 'secureid-udp': 5510, snmp: 161, snmptrap: 162, syslog: 514, tftp: 69,
  time: 37, who: 513, xdmcp: 177, vxlan: 4789,
};

/** The port a number or keyword names for the protocol; undefined when unknown. */
export function portNumber(token: string, protocol: string): number | undefined {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    return n >= 0 && n <= 65535 ? n : undefined;
  }
  const key = token.toLowerCase();
  if (protocol === 'udp') return UDP[key];
  if (protocol === 'tcp') return TCP[key];
  return TCP[key] ?? UDP[key];
}
