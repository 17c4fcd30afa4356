import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../engine/plan/desired.js';
import { fakeDigest, recordAll } from './spec-set.js';
import { RESOURCES_PER_TENANT, workload } from './workload.js';

// Speed is measured by `npm run bench`, never asserted here; this pins behaviour at scale.
describe('buildDesired at provider scale', () => {
  const specs = workload(1000);

  it('plans 1,000 tenants × 50 resources without errors, and the same again against the recorded result', () => {
    const first = buildDesired({ specs, recorded: new Map(), digestSecret: fakeDigest });
    expect(first.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(first.resources).toHaveLength(1000 * RESOURCES_PER_TENANT);
    const again = buildDesired({ specs, recorded: recordAll(first.resources), digestSecret: fakeDigest });
    expect(again.resources).toEqual(first.resources);
  });
});
