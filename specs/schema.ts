/**
 * The spec language v1 as zod schemas: Zone (operator), Tenant (partner), Partners
 * (operator). Types of the spec model are derived from these schemas, and so is the
 * JSON Schema editors use. Objects are strict: an unknown field is an error.
 */
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration, parseSize, SIZE_PATTERN } from './units.js';

export const API_VERSION = 'netfirst/v1';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const Name = z
  .string()
  .regex(DNS_LABEL, 'must be a DNS label: lowercase letters, digits and "-", 1 to 63 characters, not starting or ending with "-"')
  .describe('A DNS label: [a-z0-9-], at most 63 characters.');

const ipv4ToInt = (ip: string): number => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);

/**
 * IPv6 text (anything with a colon before the prefix) gets its own message: "must be an
 * IPv4 network" alone reads as a typo in what is a deliberate, unsupported choice.
 */
const looksIpv6 = (input: unknown): input is string => typeof input === 'string' && input.split('/')[0]!.includes(':');

export const Ipv4 = z.ipv4({
  error: (issue) => (looksIpv6(issue.input) ? `IPv6 is not supported: ${issue.input} must be an IPv4 address such as 10.20.0.10` : 'must be an IPv4 address such as 10.20.0.10'),
});
/**
 * An IPv4 network with no host bits set. The format check aborts: the host-bits rule
 * only means something for text that is an IPv4 CIDR (one error per value, not two).
 */
export const Cidr = z
  .cidrv4({
    abort: true,
    error: (issue) =>
      looksIpv6(issue.input) ? `IPv6 is not supported: ${issue.input} must be an IPv4 CIDR such as 10.20.0.0/24` : 'must be an IPv4 network in CIDR notation such as 10.20.0.0/24',
  })
  .refine(
    (cidr) => {
      const [ip = '', bits = '0'] = cidr.split('/');
      const hostBits = 32 - Number(bits);
      return hostBits === 32 || ipv4ToInt(ip) % 2 ** hostBits === 0;
    },
    { error: (issue) => `${String(issue.input)} has host bits set: write the network address of the block` },
  );

/** 1024 PiB: far above any zone's storage, and finite (a long enough number is Infinity, which JSON writes as null). */
const MAX_SIZE_BYTES = 2 ** 60;
const MAX_DURATION_MS = 24 * 86_400_000;

/** A size with a unit (`4GiB`, `500GB`, `20TiB`), parsed to bytes. */
export const Size = z
  .string()
  .regex(SIZE_PATTERN, 'must be a size with a unit, such as 4GiB, 500GB or 20TiB')
  .refine((s) => (parseSize(s) ?? 0) <= MAX_SIZE_BYTES, { error: 'must be at most 1024PiB' })
  .transform((s) => parseSize(s) ?? 0)
  .describe('A size with a unit: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB.');

/** A duration (`8h`, `30m`, `1h30m`, `20ms`), parsed to milliseconds. */
export const Duration = z
  .string()
  .regex(DURATION_PATTERN, 'must be a duration such as 8h, 30m, 1h30m or 20ms')
  // Timers take at most 2^31 - 1 ms; 24 days is more than any latency or key lifetime.
  .refine((s) => (parseDuration(s) ?? 0) <= MAX_DURATION_MS, { error: 'must be at most 24d' })
  .transform((s) => parseDuration(s) ?? 0)
  .describe('A duration: a number with ms, s, m, h or d, repeatable (1h30m).');

/**
 * A secret reference. A plain string is accepted by the schema only so that `verify`
 * can report it precisely as a plaintext secret; it is never used.
 */
export const Secret = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }),
  z.strictObject({ file: z.string().min(1) }),
  z.string(),
]).describe('A secret reference: { env: NAME } or { file: path } (relative to the spec file).');

export const Hypervisor = z.enum(['kvm', 'xenserver', 'vmware']);
export const Protocol = z.enum(['tcp', 'udp']);
const Port = z.number().int().min(1).max(65535);
const VlanId = z.number().int().min(1).max(4094);
const Vni = z.number().int().min(1).max(16_777_215);

/** `"100-999"` or `"310"` or `310`. */
const Range = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+(\s*-\s*\d+)?$/, 'must be a number or a range such as 100-999'),
]);

const Metadata = z.strictObject({
  name: Name,
  labels: z.record(z.string(), z.string()).optional(),
});

// ---------------------------------------------------------------- Zone

export const SimProviderConfig = z.strictObject({
  type: z.literal('sim'),
  latency: Duration.optional().describe('Simulated duration of every provider operation (default 0).'),
  failureRate: z.number().min(0).max(1).optional().describe('Share of operations that fail, deterministically from seed.'),
  busyRate: z.number().min(0).max(1).optional().describe('Share of operations answered "busy" (retryable), deterministically from seed.'),
  seed: z.number().int().optional(),
  failOn: z.array(z.string()).optional().describe('Addresses whose create/update/delete always fails (testing).'),
  path: z.string().optional().describe('SQLite file of the simulated world (default .netfirst/sim-ZONE.db beside the state).'),
});

export const LinuxProviderConfig = z.strictObject({
  type: z.literal('linux'),
  hosts: z.number().int().min(1).max(32).optional().describe('Hypervisor hosts, each a network namespace (default 2).'),
  prefix: z.string().regex(/^[a-z][a-z0-9]{0,2}$/, 'must be 1 to 3 lowercase letters and digits, starting with a letter').optional()
    .describe('First letters of every namespace the zone creates (default nf).'),
  transport: z.enum(['auto', 'vlan', 'vxlan']).optional()
    .describe('How hosts carry a segment: 802.1Q on a trunk, VXLAN, or auto (802.1Q when the kernel has 8021q).'),
  storage: z.record(z.string(), z.string().min(1)).optional()
    .describe('Directory of the image files per storage tier (default <dir>/images/<tier>).'),
  dir: z.string().optional().describe("Directory of the provider's own files: name registry, strongSwan configuration, logs (default .netfirst/linux-ZONE)."),
});

const SecretRef = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') }),
  z.strictObject({ file: z.string().min(1) }),
]);

export const CloudStackProviderConfig = z.strictObject({
  type: z.literal('cloudstack'),
  endpoint: z.url({ protocol: /^https?$/, error: 'must be the URL of the CloudStack API, such as https://cloud.example.net/client/api' }),
  apiKey: SecretRef.describe('The API key: { env: NAME } or { file: path }.'),
  secretKey: SecretRef.describe('The secret key: { env: NAME } or { file: path }.'),
  zone: z.string().min(1).optional().describe("CloudStack's name of the zone (default: this zone's name)."),
  vpcCidr: Cidr.optional().describe("Super-CIDR of each tenant's VPC; every network of the tenant must lie inside it (default 10.0.0.0/8)."),
  remoteAccessRange: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\s*-\s*\d{1,3}(\.\d{1,3}){3}$/, 'must be a range of addresses such as 100.64.0.1-100.64.0.254').optional()
    .describe("Addresses remote-access VPN clients get, outside vpcCidr (default 100.64.0.1-100.64.0.254)."),
  offerings: z.strictObject({
    vpc: z.string().min(1).optional(),
    vpcNetwork: z.string().min(1).optional(),
    service: z.string().min(1).optional().describe('A custom service offering taking the CPU count and memory of each VM.'),
    disk: z.record(z.string(), z.string().min(1)).optional().describe('Disk offering per storage tier (default: the tier name).'),
  }).optional(),
  pageSize: z.number().int().min(1).max(500).optional(),
  jobTimeout: Duration.optional().describe('Longest wait for one async job (default 10m); after it the job is resolved by reading on the next run.'),
});

export const ProviderConfig = z.discriminatedUnion('type', [SimProviderConfig, LinuxProviderConfig, CloudStackProviderConfig]);

export const PublicIpPool = z.strictObject({
  name: Name,
  cidr: Cidr,
  gateway: Ipv4,
  range: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\s*-\s*\d{1,3}(\.\d{1,3}){3}$/, 'must be a range of addresses such as 203.0.113.10-203.0.113.250'),
});

export const Cluster = z.strictObject({
  name: Name,
  hypervisor: Hypervisor,
  hosts: z.number().int().positive(),
  cpuPerHost: z.number().int().positive(),
  memoryPerHost: Size,
  cpuOvercommit: z.number().positive().optional().describe('vCPUs sold per physical core (default 1).'),
});

export const StorageTier = z.strictObject({
  name: Name,
  media: z.enum(['nvme', 'ssd', 'sas-15k', 'sas-10k', 'sata-7k2']),
  capacity: Size,
});

export const Template = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be lowercase letters, digits, "." and "-"'),
  hypervisors: z.array(Hypervisor).min(1),
});

export const ZoneSpec = z.strictObject({
  provider: ProviderConfig,
  segments: z.strictObject({
    vlans: z.array(Range).default([]),
    vxlans: z.array(Range).default([]),
  }),
  publicIpPools: z.array(PublicIpPool).default([]),
  clusters: z.array(Cluster).default([]),
  storageTiers: z.array(StorageTier).default([]),
  templates: z.array(Template).default([]),
});

export const ZoneDocument = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Zone'),
  metadata: Metadata,
  spec: ZoneSpec,
});

// ---------------------------------------------------------------- Tenant

const Lifecycle = {
  protect: z.boolean().optional().describe('Refuse any plan that deletes or replaces this resource.'),
  previously: Name.optional().describe('The name this item had before a rename; the resource is kept.'),
};

export const Segment = z.union([
  z.strictObject({ vlan: z.union([z.literal('auto'), VlanId]) }),
  z.strictObject({ vxlan: z.union([z.literal('auto'), Vni]) }),
]);

export const Network = z.strictObject({
  name: Name,
  cidr: Cidr,
  gateway: Ipv4.optional().describe('Gateway address (default: the first address of the CIDR).'),
  segment: Segment.default({ vlan: 'auto' }),
  sourceNat: Name.optional().describe('Public IP (by name) this private network egresses through.'),
  colocation: z.strictObject({ handoff: z.string().min(1) }).optional(),
  ...Lifecycle,
});

export const PortForward = z.strictObject({
  protocol: Protocol,
  port: Port,
  privatePort: Port.optional(),
  vm: Name,
});

export const PublicIp = z.strictObject({
  name: Name,
  address: z.union([z.literal('auto'), Ipv4]).default('auto'),
  pool: Name.optional(),
  staticNat: z.strictObject({ vm: Name }).optional(),
  portForwards: z.array(PortForward).optional(),
  ...Lifecycle,
});

export const FirewallRule = z.strictObject({
  name: Name.optional(),
  publicIp: Name,
  protocol: z.enum(['tcp', 'udp', 'icmp']),
  ports: z.array(Port).optional(),
  from: z.array(Cidr).default(['0.0.0.0/0']),
});

const Encryption = z.enum(['aes128', 'aes192', 'aes256', '3des']);
const Hash = z.enum(['md5', 'sha1', 'sha256', 'sha384', 'sha512']);
const DhGroup = z.union([z.literal(2), z.literal(5), z.literal(14), z.literal(15), z.literal(16), z.literal(19), z.literal(20), z.literal(21)]);

export const SiteToSiteVpn = z.strictObject({
  name: Name,
  peer: Ipv4,
  peerCidrs: z.array(Cidr).min(1),
  localNetworks: z.array(Name).min(1),
  ike: z.strictObject({ encryption: Encryption, hash: Hash, dhGroup: DhGroup, lifetime: Duration.default(28_800_000) }),
  esp: z.strictObject({ encryption: Encryption, hash: Hash, pfsGroup: DhGroup.optional(), lifetime: Duration.default(3_600_000) }),
  preSharedKey: Secret,
  dpd: z.boolean().optional(),
  ...Lifecycle,
});

export const VpnUser = z.strictObject({ name: Name, password: Secret });

export const Vpn = z.strictObject({
  siteToSite: z.array(SiteToSiteVpn).default([]),
  remoteAccess: z.strictObject({ users: z.array(VpnUser).default([]) }).optional(),
});

export const Nic = z.strictObject({
  network: Name,
  ip: z.union([z.literal('auto'), Ipv4]).default('auto'),
});

export const Disk = z.strictObject({
  name: Name,
  size: Size,
  tier: Name,
  ...Lifecycle,
});

/** Desired power state of a VM: a change is applied in place (stop or start), never by replacement. */
export const VmPower = z.enum(['running', 'stopped']);

export const Vm = z.strictObject({
  name: Name,
  hypervisor: Hypervisor,
  cluster: Name.optional().describe('Cluster to place the VM on (default: the first of its hypervisor with room).'),
  cpu: z.number().int().positive().max(256),
  memory: Size,
  template: Template.shape.name,
  nics: z.array(Nic).min(1),
  rootDisk: z.strictObject({ size: Size, tier: Name }),
  disks: z.array(Disk).default([]),
  power: VmPower.default('running')
    .describe('Whether the VM runs (default) or is stopped. A stopped VM keeps its disks, addresses and place; it is billed as allocated, not running.'),
  ...Lifecycle,
});

export const TenantSpec = z.strictObject({
  zone: Name,
  protect: z.boolean().optional().describe('Protect every resource of this tenant.'),
  networks: z.array(Network).default([]),
  publicIps: z.array(PublicIp).default([]),
  firewall: z.array(FirewallRule).default([]),
  vpn: Vpn.optional(),
  vms: z.array(Vm).default([]),
});

export const TenantDocument = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Tenant'),
  metadata: Metadata.extend({ partner: Name.optional() }),
  spec: TenantSpec,
});

// ---------------------------------------------------------------- Partners

export const Partner = z.strictObject({
  name: Name,
  tenants: z.array(z.string().regex(/^[a-z0-9-]+\*?$/, 'must be a tenant name or a prefix ending in *')),
  zones: z.array(Name).default([]).describe('Zones its tenants may live in; none listed: no zone.'),
  segments: z
    .strictObject({ vlans: z.array(Range).optional(), vxlans: z.array(Range).optional() })
    .optional()
    .describe('The fixed VLAN IDs and VNIs its tenants may pin, within the zone pools (default: any of the zone pools).'),
  publicIpPools: z.array(Name).optional().describe("The zone public IP pools its tenants' addresses come from (default: any)."),
  secrets: z
    .strictObject({
      env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\*?$/, 'must be an environment variable name, or a prefix ending in *')).default([]),
      files: z.array(z.string().min(1)).default([]),
    })
    .optional()
    .describe("Where its tenants' secrets may come from: environment variables (names, or prefixes ending in *) and directories (relative to the Partners file). None: its tenants may reference no secrets."),
  quotas: z
    .strictObject({
      vms: z.number().int().nonnegative().optional(),
      cpu: z.number().int().nonnegative().optional(),
      memory: Size.optional(),
      publicIps: z.number().int().nonnegative().optional(),
      vpnPeers: z.number().int().nonnegative().optional(),
      storage: z.record(z.string(), Size).optional(),
    })
    .optional(),
});

export const PartnersDocument = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Partners'),
  metadata: Metadata,
  spec: z.strictObject({ partners: z.array(Partner) }),
});

export const AnyDocument = z.discriminatedUnion('kind', [ZoneDocument, TenantDocument, PartnersDocument]);
export const KINDS = ['Zone', 'Tenant', 'Partners'] as const;

export type ZoneDoc = z.output<typeof ZoneDocument>;
export type TenantDoc = z.output<typeof TenantDocument>;
export type PartnersDoc = z.output<typeof PartnersDocument>;
export type AnyDoc = z.output<typeof AnyDocument>;
export type NetworkSpec = z.output<typeof Network>;
export type VmSpec = z.output<typeof Vm>;
export type PublicIpSpec = z.output<typeof PublicIp>;
export type SecretSpec = z.output<typeof Secret>;
export type SiteToSiteVpnSpec = z.output<typeof SiteToSiteVpn>;
