/**
 * `netfirst validate`: loads and verifies specs and changes nothing. It loads neither
 * the providers nor SQLite unless a state exists (its allocations are then judged
 * against the recorded ones): validate is the command run on every save and in every
 * pipeline, so its start counts (npm run bench: start rows).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { formatDiagnostic, hasErrors } from '../../../specs/diagnostic.js';
import { buildDesired } from '../../plan/desired.js';
import { CliError } from '../errors.js';
import { colorsFor, print, printErr } from '../output.js';
import { secretDigester, secretScope } from '../../run/secrets.js';
import { statePath, type GlobalOptions } from '../../run/workspace-specs.js';
import { loadRunSpecs, partnerName, partnerSelection, type PartnerOptions } from '../../run/partner.js';
import { checkPartner } from '../../partners/index.js';
import { locateDiagnostics } from '../../plan/verify.js';

export interface ValidateOptions extends GlobalOptions, PartnerOptions {
  readonly json?: boolean;
  /** With --partner: judge the change since this revision (engine/gitops/partner-view.ts). */
  readonly changedSince?: string;
}

/** Loads and verifies specs (allocations against the state when there is one); changes nothing. */
export async function validateCommand(paths: string[], options: ValidateOptions): Promise<number> {
  const specs = loadRunSpecs(paths, options);
  let recorded = new Map();
  // Validation shows no digest: without a state, any key judges the secrets the same.
  let secretKey: Buffer = randomBytes(32);
  if (existsSync(statePath(options))) {
    const { openWorkspaceState } = await import('../../run/workspace.js');
    const state = openWorkspaceState(options);
    const snapshot = state.snapshot();
    state.close();
    recorded = new Map(snapshot.resources);
    secretKey = state.secretKey;
  }
  const diagnostics = [...specs.diagnostics];
  // A partner validates its own tenants, and what it may not do with them.
  const tenants = partnerSelection(specs, recorded.values(), options);
  if (!hasErrors(diagnostics)) {
    const built = buildDesired({ specs, recorded, digestSecret: secretDigester(secretKey, secretScope(specs, partnerName(options))), ...(tenants ? { tenants } : {}) });
    diagnostics.push(...built.diagnostics);
    if (tenants) {
      const planned = new Set([...tenants].filter((t) => specs.tenants.has(t)));
      diagnostics.push(...locateDiagnostics(specs, checkPartner({ specs, recorded, desired: built.resources, partner: partnerName(options)!, planned })));
    }
  }
  const located = diagnostics;
  const errors = located.filter((d) => d.severity === 'error').length;
  if (options.json) {
    print(JSON.stringify({ valid: errors === 0, diagnostics: located }, null, 2));
    return errors === 0 ? 0 : 1;
  }
  const c = colorsFor(process.stderr);
  for (const d of located) printErr(d.severity === 'error' ? c.red(formatDiagnostic(d)) : c.yellow(formatDiagnostic(d)));
  if (errors > 0) throw new CliError(`${errors} error${errors === 1 ? '' : 's'} in ${specs.files.length} file${specs.files.length === 1 ? '' : 's'}`);
  const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
  print(colorsFor(process.stdout).green(`Success! ${count(specs.files.length, 'file')}, ${count(specs.zones.size, 'zone')}, ${count(tenants ? [...tenants].filter((t) => specs.tenants.has(t)).length : specs.tenants.size, 'tenant')}: the configuration is valid.`));
  return 0;
}
