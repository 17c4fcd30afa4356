/**
 * `netfirst version [--json]`: this netfirst, the Node running it, the state schema it
 * writes and the one of the state here (read only: a missing state is not created), and
 * the providers built in.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATE_SCHEMA_VERSION, stateFileVersion, type StateFileVersion } from '../../../state/schema-version.js';
import { print } from '../output.js';
import { statePath, type GlobalOptions } from '../../run/workspace.js';

/** Built into every netfirst (providers/index.ts); others load from a path or package. */
export const BUILT_IN_PROVIDERS = ['sim', 'linux', 'cloudstack'] as const;

export interface VersionOptions extends GlobalOptions {
  readonly json?: boolean;
}

/** package.json of netfirst: found upwards from this module, whether it runs from the sources or a build. */
function netfirstVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'netfirst' && typeof pkg.version === 'string') return pkg.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

function describeState(found: StateFileVersion): string {
  switch (found.kind) {
    case 'none': return 'no state here';
    case 'at': return found.version === STATE_SCHEMA_VERSION
      ? `schema ${found.version}`
      : found.version < STATE_SCHEMA_VERSION ? `schema ${found.version} (the next command that opens it migrates it to ${STATE_SCHEMA_VERSION})` : `schema ${found.version}, newer than this netfirst: upgrade netfirst`;
    case 'unreadable': return `unreadable (${found.reason})`;
  }
}

export function versionCommand(options: VersionOptions): number {
  const path = statePath(options);
  const found = stateFileVersion(path);
  const version = netfirstVersion();
  if (options.json) {
    print(JSON.stringify({
      netfirst: version,
      node: process.versions.node,
      stateSchema: STATE_SCHEMA_VERSION,
      state: { path, ...(found.kind === 'at' ? { schema: found.version } : found.kind === 'none' ? { schema: null } : { schema: null, error: found.reason }) },
      providers: BUILT_IN_PROVIDERS,
    }, null, 2));
    return 0;
  }
  print(`netfirst ${version}`);
  print(`node ${process.versions.node}`);
  print(`state schema ${STATE_SCHEMA_VERSION}; state here (${path}): ${describeState(found)}`);
  print(`providers built in: ${BUILT_IN_PROVIDERS.join(', ')}`);
  return 0;
}
