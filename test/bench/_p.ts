import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateWorkload } from './generate.js';
import { loadSpecs } from '../../specs/load.js';
import { expandTenant } from '../../engine/plan/expand.js';
import { buildDesired } from '../../engine/plan/desired.js';
import { makePlan } from '../../engine/plan/plan.js';
import { secretDigester, secretScope } from '../../engine/run/secrets.js';
const dir = mkdtempSync(join(tmpdir(), 'wb-'));
const w = generateWorkload(dir, 1000);
const specs = loadSpecs(w.files);
const digest = secretDigester(Buffer.alloc(32), secretScope(specs));
let t = performance.now();
for (const [, ten] of specs.tenants) expandTenant(ten, {});
console.log('expand all', (performance.now() - t).toFixed(1));
for (let i = 0; i < 3; i++) {
t = performance.now();
const b = buildDesired({ specs, recorded: new Map(), digestSecret: digest, tenants: new Set(['tenant-0500']) });
console.log('buildDesired one', (performance.now() - t).toFixed(1), b.resources.length);
t = performance.now();
makePlan({ specs, lineage: 'x', serial: 0, recorded: new Map(), digestSecret: digest, tenants: new Set(['tenant-0500']) });
console.log('makePlan one', (performance.now() - t).toFixed(1));
}
