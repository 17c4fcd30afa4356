/**
 * Where the state lives and loading specs (with the content cache beside the state):
 * the part of a run's edge that commands needing neither state nor provider (validate)
 * load alone, so they start without the providers and SQLite (workspace.ts has those).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadSpecs } from '../../specs/load.js';
import type { SpecSet } from '../../specs/model.js';
import { gitPrecedence } from '../gitops/precedence.js';
import { UserError } from './errors.js';

export interface GlobalOptions {
  readonly state?: string;
  /**
   * The server's secret store for specs a partner or tenant uploaded: their secrets come
   * from this directory only (SecretScope.store). Never a CLI flag: the server sets it.
   */
  readonly secretStore?: string;
}

export function statePath(options: GlobalOptions): string {
  return resolve(options.state || process.env.NETFIRST_STATE || join('.netfirst', 'state.db'));
}

export function loadWorkspaceSpecs(paths: readonly string[], options: GlobalOptions): SpecSet {
  const list = paths.length > 0 ? [...paths] : ['.'];
  for (const p of list) if (!existsSync(p)) throw new UserError(`${p}: no such file or directory`);
  return loadSpecs(list, { cacheDir: join(dirname(statePath(options)), 'cache'), precedence: gitPrecedence() });
}
