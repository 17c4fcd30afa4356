/**
 * The edits that let the outside in: a port forward on a public IP (the public IP made
 * too when the form asks for a new one) and a remote-access VPN user. A VPN user's
 * password is a secret: this edit writes only its reference (`{ file: … }`), never a
 * value; whoever keeps the value (the server's secret store) writes it elsewhere.
 */
import { isMap, isSeq, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { textProblems, wholeNumberProblems } from './form-values.js';
import { refuse, type EditOutcome, type FieldProblem, type SpecPath } from './outcome.js';
import { lastItem, styleLike } from './sibling-style.js';
import { itemNamed, renderTenantFile, type TenantFile } from './tenant-file.js';
import { listAt, placeInSpec } from './vm-edits.js';

export interface NewPortForward {
  /** The public IP, by name. */
  readonly publicIp: string;
  /** Make the public IP (address auto) when the tenant has none of that name. */
  readonly createPublicIp?: boolean | undefined;
  readonly protocol: string;
  /** One forward per public port. */
  readonly publicPorts: readonly number[];
  /** The VM's port for each public port, in order; absent or empty: the same port. */
  readonly privatePorts?: readonly number[] | undefined;
  readonly vm: string;
}

/** At most this many forwards in one form: a port range is a firewall rule's business. */
export const MAX_FORWARDS_PER_EDIT = 16;

/** Appends one port forward per public port to the public IP's `portForwards`. */
export function addPortForward(file: TenantFile, forward: NewPortForward): EditOutcome {
  const problems: FieldProblem[] = textProblems({ publicIp: forward.publicIp, protocol: forward.protocol, vm: forward.vm });
  const ports = forward.publicPorts;
  const privatePorts = forward.privatePorts ?? [];
  if (!Array.isArray(ports) || ports.length === 0) problems.push({ field: 'publicPorts', message: 'give at least one public port' });
  else if (ports.length > MAX_FORWARDS_PER_EDIT) problems.push({ field: 'publicPorts', message: `at most ${MAX_FORWARDS_PER_EDIT} ports at once` });
  else {
    problems.push(...wholeNumberProblems(Object.fromEntries(ports.map((p, i) => [`publicPorts.${i}`, p]))));
    if (new Set(ports).size !== ports.length) problems.push({ field: 'publicPorts', message: 'a port is given twice' });
  }
  if (!Array.isArray(privatePorts)) problems.push({ field: 'privatePorts', message: 'must be a list of ports' });
  else if (privatePorts.length > 0 && privatePorts.length !== ports.length) problems.push({ field: 'privatePorts', message: `give one private port for each public port (${ports.length}), or none to use the same ports` });
  else problems.push(...wholeNumberProblems(Object.fromEntries(privatePorts.map((p, i) => [`privatePorts.${i}`, p]))));
  if (problems.length > 0) return { problems };

  const ips = listAt(file, 'publicIps');
  if ('problems' in ips) return ips;
  const found = itemNamed(ips.seq, forward.publicIp);
  if (found === 'alias') return refuse('publicIp', 'the list of public IPs holds YAML aliases: edit the file by hand');
  let ip: YAMLMap;
  let index: number;
  if (found) ({ item: ip, index } = found);
  else if (forward.createPublicIp) {
    ip = file.document.createNode({ name: forward.publicIp }) as YAMLMap;
    styleLike(ip, lastItem(ips.seq));
    index = ips.seq.items.length;
    ips.seq.items.push(ip);
  } else return refuse('publicIp', `this tenant has no public IP named ${forward.publicIp}`);

  const existing = ip.get('portForwards', true) as Node | undefined;
  if (existing !== undefined && !isSeq(existing)) return refuse('publicIp', `portForwards of public IP ${forward.publicIp} is not a list: edit the file by hand`);
  for (const [i, port] of ports.entries()) {
    const taken = isSeq(existing) && existing.items.some((f) => isMap(f) && f.get('protocol') === forward.protocol && f.get('port') === port);
    if (taken) return refuse(`publicPorts.${i}`, `public IP ${forward.publicIp} already forwards ${forward.protocol} port ${port}`);
  }
  let seq: YAMLSeq;
  if (isSeq(existing)) seq = existing;
  else {
    // `- { name: web }` grows a list: the item becomes a block, its forwards one flow list.
    ip.flow = false;
    // Written like DESIGN.md's: `portForwards: [ { protocol: tcp, port: 25, vm: mail-1 } ]`.
    seq = file.document.createNode([]) as YAMLSeq;
    seq.flow = true;
    ip.set('portForwards', seq);
  }
  const model = lastItem(seq);
  const first = seq.items.length;
  ports.forEach((port, i) => {
    const privatePort = privatePorts[i];
    const node = file.document.createNode({ protocol: forward.protocol, port, ...(privatePort !== undefined && privatePort !== port ? { privatePort } : {}), vm: forward.vm }) as YAMLMap;
    if (model) styleLike(node, model);
    else node.flow = true;
    seq.items.push(node);
  });
  const at = ['spec', 'publicIps', index, 'portForwards'] as const;
  const fields: Record<string, SpecPath> = { publicIp: ['spec', 'publicIps', index] };
  ports.forEach((_, i) => {
    fields[`publicPorts.${i}`] = [...at, first + i, 'port'];
    fields[`privatePorts.${i}`] = [...at, first + i, 'privatePort'];
    fields[`protocol.${i}`] = [...at, first + i, 'protocol'];
    fields[`vm.${i}`] = [...at, first + i, 'vm'];
  });
  return { text: renderTenantFile(file), doc: file.doc, path: at, fields };
}

export interface NewVpnUser {
  readonly name: string;
  /** Where the password is read from: a reference, never the password. */
  readonly password: { readonly file: string } | { readonly env: string };
}

/** Appends a remote-access VPN user (making `vpn.remoteAccess.users` as needed). */
export function addVpnUser(file: TenantFile, user: NewVpnUser): EditOutcome {
  const ref = user.password;
  const refText = 'file' in ref ? ref.file : ref.env;
  const problems = textProblems({ name: user.name, password: refText });
  if (problems.length > 0) return { problems };
  let vpn = file.spec.get('vpn', true) as Node | undefined;
  if (vpn === undefined) {
    vpn = file.document.createNode({});
    placeInSpec(file.spec, 'vpn', vpn);
  }
  if (!isMap(vpn)) return refuse('', 'spec.vpn is not a mapping: edit the file by hand');
  let access = vpn.get('remoteAccess', true) as Node | undefined;
  if (access === undefined) {
    access = file.document.createNode({});
    vpn.set('remoteAccess', access);
  }
  if (!isMap(access)) return refuse('', 'spec.vpn.remoteAccess is not a mapping: edit the file by hand');
  let users = access.get('users', true) as Node | undefined;
  if (users === undefined) {
    users = file.document.createNode([]);
    access.set('users', users);
  }
  if (!isSeq(users)) return refuse('', 'spec.vpn.remoteAccess.users is not a list: edit the file by hand');
  const taken = itemNamed(users, user.name);
  if (taken === 'alias') return refuse('', 'the VPN users hold YAML aliases: edit the file by hand');
  if (taken) return refuse('name', `a VPN user named ${user.name} already exists in this tenant`);
  const node = file.document.createNode({ name: user.name, password: 'file' in ref ? { file: ref.file } : { env: ref.env } }) as YAMLMap;
  const model = lastItem(users);
  // `- { name: alice, password: { file: … } }`, as the examples write users.
  if (model) styleLike(node, model);
  else node.flow = true;
  const index = users.items.length;
  users.items.push(node);
  const at = ['spec', 'vpn', 'remoteAccess', 'users', index] as const;
  return { text: renderTenantFile(file), doc: file.doc, path: at, fields: { name: [...at, 'name'], password: [...at, 'password'] } };
}
