/**
 * examples/iswest through the cloudstack provider, end to end through the CLI, against
 * the CloudStack-compatible endpoint (backed by the sim zone's model) started here on
 * loopback: signed requests, async jobs, a page size of 3, and injected 431/530/533
 * errors and job timeouts. Reruns finish what failed; the plan then says No changes
 * (also after reading everything back), and destroy leaves the endpoint empty.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startCloudStackServer } from '../../providers/cloudstack/server/index.js';
import { ZoneDocument } from '../../specs/schema.js';
import { REPO, sandbox, type Run, type Sandbox } from '../cli/harness.js';

const API_KEY = 'test-api-key-e2e';
const SECRET_KEY = 'test-secret-key-e2e-Zm9vYmFy';

describe('examples/iswest through the cloudstack provider', () => {
  let sb: Sandbox;
  let server: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    const zone = ZoneDocument.parse(parse(readFileSync(join(REPO, 'examples', 'iswest', 'zone.yaml'), 'utf8')));
    server = await startCloudStackServer(
      { zoneName: 'iswest-1', zone: zone.spec, apiKey: API_KEY, secretKey: SECRET_KEY, jobDelayMs: 5, maxPageSize: 3, faults: { rate: 0.08, seed: 11, codes: [431, 530, 533], jobTimeoutRate: 0.04 } },
      { host: '127.0.0.1', port: 0 },
    );
    sb = sandbox('iswest', { CLOUDSTACK_API_KEY: API_KEY, CLOUDSTACK_SECRET_KEY: SECRET_KEY, });
    sb.edit('iswest/zone.yaml', '  provider: { type: sim, latency: 5ms }', `  provider:\n    type: cloudstack\n    endpoint: ${server.url}\n    apiKey: { env: CLOUDSTACK_API_KEY }\n    secretKey: { env: CLOUDSTACK_SECRET_KEY }\n    pageSize: 3\n    jobTimeout: 2s`);
  });

  afterAll(async () => {
    await server?.close();
    sb?.remove();
  });

  /** Applies until nothing is left to do (injected non-retryable errors fail a resource; the rerun does the rest). */
  function applyUntilDone(): Run[] {
    const runs: Run[] = [];
    for (let i = 0; i < 8; i++) {
      const r = sb.run('apply', 'iswest', '--auto-approve', '--parallelism', '8');
      runs.push(r);
      if (r.code === 0 && /Apply complete!|No changes\./.test(r.stdout)) break;
    }
    return runs;
  }

  it('applies, despite injected errors and job timeouts, in a few runs', () => {
    const runs = applyUntilDone();
    const last = runs.at(-1)!;
    expect(last.code, last.stdout + last.stderr).toBe(0);
    const all = runs.map((r) => r.stdout + r.stderr).join('\n');
    console.log(`cloudstack apply: ${runs.length} run(s); failures seen: ${(all.match(/✗/g) ?? []).length}`);
    expect(sb.run('plan', 'iswest', '--detailed-exitcode').code).toBe(0);
  });

  it('reads everything back: the plan with --refresh says No changes', () => {
    const r = sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode');
    expect(r.stdout + r.stderr).toContain('No changes.');
    expect(r.code).toBe(0);
  });

  it('shows a CPU change as stop → change → start, and applies it', () => {
    sb.edit('iswest/acme-dental.yaml', 'cpu: 4\n      memory: 8GiB', 'cpu: 6\n      memory: 8GiB');
    const plan = sb.run('plan', 'iswest');
    expect(plan.stdout).toContain('# CloudStack changes the service offering of a stopped VM: stop → change → start');
    const runs = applyUntilDone();
    expect(runs.at(-1)!.code).toBe(0);
    expect(sb.run('plan', 'iswest', '--refresh', '--detailed-exitcode').code).toBe(0);
  });

  it('destroys everything cleanly', () => {
    // baker-law protects its document server; lifting the protection is part of destroying it.
    sb.write('iswest/baker-law.yaml', sb.read('iswest/baker-law.yaml').replace(/^\s*protect: true\n/m, '').replace(', protect: true', ''));
    let r: Run | undefined;
    for (let i = 0; i < 8; i++) {
      r = sb.run('destroy', 'iswest', '--auto-approve');
      if (r.code === 0) break;
    }
    expect(r!.code, r!.stdout + r!.stderr).toBe(0);
    expect(JSON.parse(sb.run('state', 'list', '--json').stdout)).toEqual([]);
  });
});
