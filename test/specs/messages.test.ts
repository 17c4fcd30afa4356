import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../specs/diagnostic.js';
import { loadFile } from '../../specs/load-file.js';
import { SourceFile } from '../../specs/source.js';

/** A tenant document whose `spec` holds `body` (indented by the caller as under `spec:`). */
const tenant = (body: string): string => `apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: acme }\nspec:\n  zone: z1\n${body}`;

const diagnose = (text: string): string[] =>
  loadFile(new SourceFile('t.yaml', text)).diagnostics.map((d) => formatDiagnostic({ ...d, file: 't.yaml' }));

describe('diagnostics users act on', () => {
  it.each([
    {
      reason: 'an unknown field names the closest valid one and lists them all, pointing at the key',
      given: tenant('  networks:\n    - { name: lan, cidr: 10.0.0.0/24, sourcenat: egress }\n'),
      want: ['t.yaml:7:39: error: spec.networks[0].sourcenat: unknown field "sourcenat"; did you mean "sourceNat"? valid fields: name, cidr, gateway, segment, sourceNat, colocation, protect, previously'],
    },
    {
      reason: 'an unknown field with no near match still lists the valid fields',
      given: tenant('  routers: []\n'),
      want: ['t.yaml:6:3: error: spec.routers: unknown field "routers"; valid fields: zone, protect, networks, publicIps, firewall, vpn, vms'],
    },
    {
      reason: 'a missing field points at the mapping that lacks it',
      given: tenant('  networks:\n    - name: lan\n'),
      want: ['t.yaml:7:7: error: spec.networks[0]: missing required field "cidr"'],
    },
    {
      reason: 'an empty value is reported at its key, saying nothing was given',
      given: tenant('  networks:\n    - name: lan\n      cidr:\n'),
      want: ['t.yaml:8:7: error: spec.networks[0].cidr: must be an IPv4 CIDR; got nothing'],
    },
    {
      reason: 'a VLAN out of range names the range',
      given: tenant('  networks:\n    - { name: lan, cidr: 10.0.0.0/24, segment: { vlan: 0 } }\n'),
      want: ['t.yaml:7:56: error: spec.networks[0].segment.vlan: must be at least 1; got 0'],
    },
    {
      reason: 'a segment matching neither form says what both forms are',
      given: tenant('  networks:\n    - { name: lan, cidr: 10.0.0.0/24, segment: vlan-310 }\n'),
      want: ['t.yaml:7:48: error: spec.networks[0].segment: must be { vlan: auto | 1-4094 } or { vxlan: auto | 1-16777215 }; got "vlan-310"'],
    },
    {
      reason: 'a segment that is clearly a VXLAN gets the VXLAN problem only',
      given: tenant('  networks:\n    - { name: lan, cidr: 10.0.0.0/24, segment: { vxlan: on } }\n'),
      want: ['t.yaml:7:57: error: spec.networks[0].segment.vxlan: must be auto or 1-16777215; got "on"'],
    },
    {
      reason: 'a secret in neither form says which forms exist',
      given: tenant('  vpn:\n    remoteAccess:\n      users: [ { name: bob, password: { vault: x } } ]\n'),
      want: ['t.yaml:8:39: error: spec.vpn.remoteAccess.users[0].password: must be { env: NAME } or { file: path }'],
    },
    {
      reason: 'a secret that is clearly an env reference gets the env problem',
      given: tenant('  vpn:\n    remoteAccess:\n      users: [ { name: bob, password: { env: my-var } } ]\n'),
      want: ['t.yaml:8:46: error: spec.vpn.remoteAccess.users[0].password.env: must be an environment variable name; got "my-var"'],
    },
    {
      reason: 'a provider type that does not exist lists those that do',
      given: 'apiVersion: netfirst/v1\nkind: Zone\nmetadata: { name: z1 }\nspec:\n  provider: { type: sym }\n  segments: {}\n',
      want: ['t.yaml:5:21: error: spec.provider.type: must be one of sim, linux, cloudstack; got "sym"; did you mean "sim"?'],
    },
    {
      reason: 'a provider without a type lists the types',
      given: 'apiVersion: netfirst/v1\nkind: Zone\nmetadata: { name: z1 }\nspec:\n  provider: { latency: 1s }\n  segments: {}\n',
      want: ['t.yaml:5:13: error: spec.provider: missing required field "type" (one of sim, linux, cloudstack)'],
    },
    {
      reason: 'an alias is followed like any value',
      given: tenant('  networks:\n    - &lan { name: lan, cidr: 10.0.0.0/24 }\n    - *lan\n'),
      want: [],
    },
    {
      reason: 'a wrong type says what was expected and what was found',
      given: tenant('  vms:\n    - { name: a, hypervisor: kvm, cpu: two, memory: 1GiB, template: t, nics: [ { network: n } ], rootDisk: { size: 1GiB, tier: s } }\n'),
      want: ['t.yaml:7:40: error: spec.vms[0].cpu: must be 1-256; got "two"'],
    },
    {
      reason: 'an empty list where one item is needed',
      given: tenant('  vms:\n    - { name: a, hypervisor: kvm, cpu: 1, memory: 1GiB, template: t, nics: [], rootDisk: { size: 1GiB, tier: s } }\n'),
      want: ['t.yaml:7:76: error: spec.vms[0].nics: must have at least 1 item'],
    },
    {
      reason: 'a document that is not a mapping',
      given: '- just\n- a list\n',
      want: ['t.yaml:1:1: error: a spec document must be a mapping with apiVersion, kind, metadata and spec'],
    },
    {
      reason: 'missing kind and apiVersion are both reported at the document',
      given: 'metadata: { name: x }\nspec: {}\n',
      want: ['t.yaml:1:1: error: missing required field "apiVersion"', 't.yaml:1:1: error: missing required field "kind" (one of Zone, Tenant, Partners)'],
    },
    {
      reason: 'a duplicate key is a YAML error, located',
      given: tenant('  zone: z2\n'),
      want: ['t.yaml:6:3: error: Map keys must be unique'],
    },
    {
      reason: 'YAML errors of one document do not hide the problems of the next',
      given: `a: [b\n---\n${tenant('  vms: 3\n')}`,
      want: ['t.yaml:2:1: error: Flow sequence in block collection must be sufficiently indented and end with a ]', 't.yaml:8:8: error: spec.vms: must be a list; got 3'],
    },
  ])('$reason', ({ given, want }) => {
    expect(diagnose(given)).toEqual(want);
  });
});

describe("a VM's power", () => {
  const vmWith = (power: string | undefined): string =>
    tenant(`  vms:\n    - name: web-1\n      hypervisor: kvm\n      cpu: 1\n      memory: 1GiB\n      template: debian-12\n      nics: [ { network: lan } ]\n      rootDisk: { size: 10GiB, tier: fast }\n${power === undefined ? '' : `      power: ${power}\n`}`);
  const powerOf = (text: string): unknown => {
    const doc = loadFile(new SourceFile('t.yaml', text)).documents[0]?.value as { spec: { vms: { power: unknown }[] } } | undefined;
    return doc?.spec.vms[0]?.power;
  };

  it.each([
    { reason: 'left out, a VM runs', given: undefined, want: 'running' },
    { reason: 'running, as written', given: 'running', want: 'running' },
    { reason: 'stopped, as written', given: 'stopped', want: 'stopped' },
  ])('$reason', ({ given, want }) => {
    expect(diagnose(vmWith(given))).toEqual([]);
    expect(powerOf(vmWith(given))).toBe(want);
  });

  it.each([
    { reason: 'another word names the two values, at the value', given: 'off', want: ['t.yaml:14:14: error: spec.vms[0].power: must be one of running, stopped; got "off"'] },
    { reason: 'a near miss suggests the value meant', given: 'stoped', want: ['t.yaml:14:14: error: spec.vms[0].power: must be one of running, stopped; got "stoped"; did you mean "stopped"?'] },
    { reason: 'a YAML boolean is not a power state', given: 'false', want: ['t.yaml:14:14: error: spec.vms[0].power: must be one of running, stopped; got false'] },
    { reason: 'capitals are not accepted: values are exact', given: 'Running', want: ['t.yaml:14:14: error: spec.vms[0].power: must be one of running, stopped; got "Running"; did you mean "running"?'] },
  ])('$reason', ({ given, want }) => {
    expect(diagnose(vmWith(given))).toEqual(want);
  });
});
