/**
 * The resource model shared by every pipeline stage: what `expand` produces, what
 * `allocate` completes, what `diff` compares with state, and what providers realize.
 * Attribute values are plain JSON so they can be hashed, stored and rendered as they are.
 */

export type AttrValue = string | number | boolean | null | readonly AttrValue[] | { readonly [key: string]: AttrValue };
export type Attributes = { readonly [key: string]: AttrValue };

export const RESOURCE_TYPES = [
  'network',
  'public-ip',
  'static-nat',
  'port-forward',
  'firewall-rule',
  'vpn-connection',
  'vpn-user',
  'vm',
  'disk',
] as const;
export type ResourceTypeName = (typeof RESOURCE_TYPES)[number];

/** A secret reference as written in a spec; resolved only at apply time. */
export type SecretRef = { readonly env: string } | { readonly file: string };

/** Where a resource (or a diagnostic) comes from: a spec file and a path inside its YAML document. */
export interface SourceRef {
  readonly file: string;
  /** Index of the YAML document inside the file (files may hold several, `---`-separated). */
  readonly doc: number;
  readonly path: readonly (string | number)[];
}

/**
 * One desired resource. `dependsOn` orders creation; `boundTo` is the subset of
 * dependencies whose replacement forces this resource's replacement too (a VM is bound
 * to the networks its NICs sit on, a disk to its VM).
 * Sensitive attributes hold `hmac-sha256:` digests (keyed by the state's secret key),
 * never values; `secrets` says where the value is read from at apply time.
 */
export interface DesiredResource {
  readonly address: string;
  readonly type: ResourceTypeName;
  readonly tenant: string;
  readonly zone: string;
  readonly attributes: Attributes;
  readonly dependsOn: readonly string[];
  readonly boundTo: readonly string[];
  readonly protect: boolean;
  readonly sensitive: readonly string[];
  readonly secrets: { readonly [attribute: string]: SecretRef & { readonly baseDir: string } };
  readonly source?: SourceRef;
  /** Address this resource had before a rename (`previously:` in the spec). */
  readonly previously?: string;
}

/** A resource as the state records it after a successful provider call. */
export interface RecordedResource {
  readonly address: string;
  readonly type: ResourceTypeName;
  readonly tenant: string;
  readonly zone: string;
  readonly providerId: string;
  readonly attributes: Attributes;
  readonly dependsOn: readonly string[];
  readonly boundTo: readonly string[];
  readonly protect: boolean;
  readonly sensitive: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** `acme/vm/web-1/disk/data` → { tenant: 'acme', type: 'vm', name: 'web-1' } (first segments). */
export function parseAddress(address: string): { tenant: string; kind: string; name: string } {
  const [tenant = '', kind = '', name = ''] = address.split('/');
  return { tenant, kind, name };
}

/** A recorded resource as shown to anyone: its sensitive attributes (kept only as digests) read "(sensitive)". */
export function publicView(r: RecordedResource): RecordedResource {
  const attributes: Record<string, AttrValue> = { ...r.attributes };
  for (const k of r.sensitive) if (k in attributes) attributes[k] = '(sensitive)';
  return { ...r, attributes };
}
