/**
 * Everything the extractors of one file share: the blocks, what has been read from them
 * (interfaces, objects, ACLs), and where findings go. ACL users record themselves in
 * `aclUse` so the ACL report only lists lists that nothing imported.
 */
import type { Acl } from './cisco-acl.js';
import type { CiscoConfig } from './cisco-config.js';
import type { Findings } from './cisco-findings.js';
import type { CiscoInterface } from './cisco-interfaces.js';
import type { NetworkObjects } from './cisco-objects.js';
import type { PublicIpTable } from './cisco-public-ips.js';

export interface FileContext {
  readonly config: CiscoConfig;
  readonly f: Findings;
  readonly ifaces: readonly CiscoInterface[];
  /** An interface by name or nameif. */
  readonly interfaceNamed: (name: string) => CiscoInterface | undefined;
  readonly objects: NetworkObjects;
  readonly acls: ReadonlyMap<string, Acl>;
  /** ACL name → what imported it (`NAT`, `VPN mymap 10`, `firewall`). */
  readonly aclUse: Map<string, string>;
  readonly publicIps: PublicIpTable;
}
