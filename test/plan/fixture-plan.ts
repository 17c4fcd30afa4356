/**
 * Runs the planner's front half on a fixture directory the way the CLI will: specs
 * loaded from disk, secrets digested from the environment and files beside the spec.
 * Diagnostics come back formatted, with file names relative to the fixture.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildDesired } from '../../engine/plan/desired.js';
import type { DigestSecret } from '../../engine/plan/expand.js';
import type { CollisionPolicy } from '../../engine/plan/verify-zone.js';
import type { RecordedResource } from '../../specs/model/resource.js';
import { formatDiagnostic } from '../../specs/diagnostic.js';
import { loadSpecs } from '../../specs/load.js';

const sha = (data: string | Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export const digestFromDisk: DigestSecret = (ref, baseDir) => {
  if ('env' in ref) {
    const value = process.env[ref.env];
    return value === undefined ? { error: `environment variable ${ref.env} is not set` } : { digest: sha(value) };
  }
  try {
    return { digest: sha(readFileSync(join(baseDir, ref.file))) };
  } catch {
    return { error: `file ${ref.file} does not exist (relative to ${baseDir})` };
  }
};

export function planFixture(dir: string, options: { recorded?: ReadonlyMap<string, RecordedResource>; tenants?: ReadonlySet<string>; collisions?: CollisionPolicy } = {}) {
  const specs = loadSpecs([dir]);
  const out = buildDesired({ specs, recorded: options.recorded ?? new Map(), digestSecret: digestFromDisk, ...(options.tenants ? { tenants: options.tenants } : {}), ...(options.collisions ? { collisions: options.collisions } : {}) });
  const format = (d: Parameters<typeof formatDiagnostic>[0]): string => formatDiagnostic(d.file ? { ...d, file: relative(dir, d.file) } : d);
  return { specs, ...out, loadErrors: specs.diagnostics.map(format), messages: out.diagnostics.map(format) };
}
