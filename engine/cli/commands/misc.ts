/** schema, zone inventory and exec: the small commands (validate has its own module: it starts light). */
import { existsSync, writeFileSync } from 'node:fs';
import { formatDiagnostic, hasErrors } from '../../../specs/diagnostic.js';
import { specJsonSchema } from '../../../specs/jsonschema.js';
import { CliError } from '../errors.js';
import { print } from '../output.js';
import { loadWorkspaceSpecs, openWorkspaceState, providerPool, statePath, zonesOf, type GlobalOptions } from '../../run/workspace.js';
import { partnerName, runPartner, type PartnerOptions } from '../../run/partner.js';
import { ownsTenant } from '../../partners/index.js';

export function schemaCommand(options: { out?: string }): number {
  const text = JSON.stringify(specJsonSchema(), null, 2) + '\n';
  if (options.out) {
    writeFileSync(options.out, text);
    print(`Wrote the JSON Schema to ${options.out}. Point editors at it with a first line: # yaml-language-server: $schema=${options.out}`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}

export interface InventoryOptions extends GlobalOptions, PartnerOptions {
  readonly json?: boolean;
}

/** What really exists in a zone's provider — compare it with `state list`. */
export async function zoneInventoryCommand(zone: string, paths: string[], options: InventoryOptions): Promise<number> {
  const specs = loadWorkspaceSpecs(paths, options);
  if (hasErrors(specs.diagnostics)) throw new CliError(specs.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'));
  if (!specs.zones.has(zone)) throw new CliError(`zone ${zone} is not described by the specs in ${paths.join(' ') || '.'}; known zones: ${[...specs.zones.keys()].join(', ') || 'none'}`);
  // A partner sees only its own tenants' objects, in a zone it is given, and not how the zone is built.
  const partner = runPartner(specs, options);
  if (partner && !partner.spec.zones.includes(zone)) throw new CliError(`partner ${partner.name} may not use zone ${zone}: refused`);
  const pool = providerPool(zonesOf(specs), options);
  try {
    const provider = pool.providerFor(zone);
    if (!provider.inventory) throw new CliError(`provider ${provider.name} cannot list its inventory`);
    const everything = await provider.inventory();
    const items = partner ? everything.filter((o) => ownsTenant(partner, o.tenant)) : everything;
    if (!options.json && !partner && provider.describe) for (const line of await provider.describe()) print(line);
    if (options.json) {
      print(JSON.stringify(items, null, 2));
    } else {
      for (const o of items) print(`${o.type.padEnd(15)} ${o.providerId}  ${o.address}`);
      print(`${items.length} resources in zone ${zone}`);
    }
    return 0;
  } finally {
    await pool.closeAll();
  }
}

export interface ExecOptions extends GlobalOptions, PartnerOptions {
  readonly specs?: string[];
}

export const EXEC_REFUSED = "exec is for the operator: a partner's run may not run commands in VMs";

/**
 * `netfirst exec ADDRESS -- CMD…`: a command inside a VM (argument array, no shell), its
 * exit code passed on. The operator's only: a command in a VM runs as the VM's root, which
 * no partner's run is given — a partner's run (`--partner` or NETFIRST_PARTNER) is refused
 * before any spec, state or provider is read, whichever VM it names.
 */
export async function execCommand(address: string, argv: string[], options: ExecOptions): Promise<number> {
  if (partnerName(options) !== undefined) throw new CliError(EXEC_REFUSED);
  if (argv.length === 0) throw new CliError('no command given: netfirst exec ADDRESS -- COMMAND [ARGS…]');
  if (!existsSync(statePath(options))) throw new CliError(`no state at ${statePath(options)}: nothing has been applied here`);
  const state = openWorkspaceState(options);
  const recorded = state.getResource(address);
  state.close();
  if (!recorded) throw new CliError(`${address} is not in state`);
  if (recorded.type !== 'vm') throw new CliError(`${address} is a ${recorded.type}, not a VM`);
  const specs = loadWorkspaceSpecs(options.specs ?? [], options);
  const pool = providerPool(zonesOf(specs), options);
  try {
    const provider = pool.providerFor(recorded.zone);
    if (!provider.exec) throw new CliError(`the ${provider.name} provider of zone ${recorded.zone} cannot run commands inside VMs`);
    return await provider.exec(address, argv);
  } finally {
    await pool.closeAll();
  }
}
