import { describe, expect, it } from 'vitest';
import { specJsonSchema } from '../../specs/jsonschema.js';

type Json = Record<string, any>;

describe('specJsonSchema', () => {
  const schema = JSON.parse(JSON.stringify(specJsonSchema())) as Json;

  it('is draft 2020-12 JSON accepting one document of each kind', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.oneOf).toEqual([{ $ref: '#/$defs/Zone' }, { $ref: '#/$defs/Tenant' }, { $ref: '#/$defs/Partners' }]);
    expect(Object.fromEntries(['Zone', 'Tenant', 'Partners'].map((k) => [k, schema.$defs[k].properties.kind.const]))).toEqual({ Zone: 'Zone', Tenant: 'Tenant', Partners: 'Partners' });
  });

  it.each([
    { reason: 'every document needs its four top-level fields', given: 'Tenant', want: ['apiVersion', 'kind', 'metadata', 'spec'] },
    { reason: 'a VM needs what it cannot be created without', given: 'Vm', want: ['name', 'hypervisor', 'cpu', 'memory', 'template', 'nics', 'rootDisk'] },
    { reason: 'a network needs a name and a CIDR; its segment defaults', given: 'Network', want: ['name', 'cidr'] },
  ])('required fields: $reason', ({ given, want }) => {
    expect(schema.$defs[given].required).toEqual(want);
  });

  it('describes the input users write: sizes and durations are strings with units', () => {
    expect(schema.$defs.Size).toMatchObject({ type: 'string', title: 'Size' });
    expect(schema.$defs.Duration.type).toBe('string');
    expect(schema.$defs.Vm.properties.memory).toEqual({ $ref: '#/$defs/Size' });
  });

  it('rejects unknown fields and gives editors titles and descriptions', () => {
    expect(schema.$defs.Tenant.additionalProperties).toBe(false);
    expect(schema.$defs.Vm).toMatchObject({ title: 'VM', additionalProperties: false });
    expect(schema.$defs.Vm.properties.cluster.description).toMatch(/Cluster to place the VM on/);
    expect(schema.$defs.Tenant.description).toMatch(/customer environment/);
  });

  it("offers a VM's power as its two values, running by default, with a description", () => {
    expect(schema.$defs.Vm.properties.power).toMatchObject({ type: 'string', enum: ['running', 'stopped'], default: 'running' });
    expect(schema.$defs.Vm.properties.power.description).toMatch(/stopped VM keeps its disks/);
    expect(schema.$defs.Vm.required).not.toContain('power');
  });

  it('resolves every $ref inside the document, as yaml-language-server needs', () => {
    const refs = [...JSON.stringify(schema).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) expect(schema.$defs[ref.replace('#/$defs/', '')], ref).toBeDefined();
  });
});

describe('netfirst.schema.json at the top of the repository', () => {
  it('is what `netfirst schema` writes today (regenerate with: npx netfirst schema --out netfirst.schema.json)', async () => {
    const { readFileSync } = await import('node:fs');
    const committed = readFileSync(new URL('../../netfirst.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(JSON.stringify(specJsonSchema(), null, 2) + '\n');
  });
});
