/**
 * The netfirst CLI: a table of commands, each a thin wrapper that lazily imports its
 * module. One top-level catch prints user errors as one message and sets the exit
 * code; a stack trace appears only with NETFIRST_DEBUG=1.
 */
import { Command, Option } from 'commander';
import { CliError } from './errors.js';
import { ProviderError } from '../../providers/contract.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function globalOptions(cmd: Command): Command {
  return cmd
    .option('--state <path>', 'state database (default ./.netfirst/state.db, or $NETFIRST_STATE)')
    .option('--no-color', 'never colour the output');
}

/** For every command that reads or changes tenants: the run sees and touches only that partner's. */
function partnerOption(cmd: Command): Command {
  return cmd.option('--partner <name>', "act as this partner: only its tenants are seen or changed, and its quotas hold (default $NETFIRST_PARTNER)");
}

function planOptions(cmd: Command): Command {
  return partnerOption(globalOptions(cmd))
    .option('--tenant <name>', 'only this tenant (repeatable)', collect)
    .option('--prune', 'destroy resources of tenants whose spec file is gone');
}

/**
 * plan and apply read what really exists first (in bulk), as Terraform does;
 * `--refresh=false` (rewritten by refreshFlagValues) or `--no-refresh` plans against the
 * state alone. A plain `--refresh`, once needed, is still taken. destroy reads only when
 * asked (`byDefault` false): deleting what is already gone is harmless to every
 * provider, while a read could call an object an interrupted delete left half-way (a
 * VPN's customer gateway without its connection) gone, and the destroy would forget it.
 */
function refreshOptions(cmd: Command, what: string, byDefault = true): Command {
  return cmd
    .option('--refresh', `read what really exists first: show drift and ${what}${byDefault ? '' : ' (not by default)'}`, byDefault)
    .option('--no-refresh', `plan against the recorded state alone, reading nothing (also --refresh=false)${byDefault ? '; the plan says "(not refreshed)"' : ', the default'}`);
}

/**
 * `--refresh=false` and `--refresh=true`, Terraform's spelling, as commander's boolean
 * pair `--no-refresh` / `--refresh`, for the commands that have it (`argv` as
 * process.argv: node, the script, then the command); any other value is refused.
 * Arguments after `--` (a command `exec` runs) are left alone.
 */
export function refreshFlagValues(argv: readonly string[]): string[] {
  if (!['plan', 'apply', 'destroy'].includes(argv[2] ?? '')) return [...argv];
  const end = argv.indexOf('--');
  return argv.map((arg, i) => {
    const m = /^--refresh=(.*)$/.exec(arg);
    if (!m || (end >= 0 && i > end)) return arg;
    const value = m[1]!.toLowerCase();
    if (['false', '0', 'no', 'off'].includes(value)) return '--no-refresh';
    if (['true', '1', 'yes', 'on'].includes(value)) return '--refresh';
    throw new CliError(`--refresh=${m[1]}: say --refresh=true or --refresh=false`);
  });
}

/**
 * `--lock-timeout` for commands that write state (apply, destroy, plan --out): the raw
 * text, read with `parseLockTimeout` (engine/run/lock.ts) so this file stays light.
 */
export function lockTimeoutOption(cmd: Command): Command {
  return cmd.option('--lock-timeout <duration>', 'wait this long for the state lock held by another run (0 = fail at once; e.g. 30s, 5m)', '0');
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('netfirst')
    .description('Desired-state engine for network-first tenant clouds: YAML specs → verified, ordered plan → apply.')
    .version('0.1.0')
    // Each command reads the options after its own name (`import provider Z --json` is provider's, not import's).
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) });
  // Remote mode (NETFIRST_SERVER set): commands with a remote face go through the server's API; others refuse.
  type Remote = typeof import('./remote/commands.js');
  const run = (fn: () => Promise<number> | number, remote?: (r: Remote) => Promise<number>) => async () =>
    setExit(await (remote && process.env.NETFIRST_SERVER ? remote(await import('./remote/commands.js')) : fn()));
  program.hook('preAction', async (_program, action) => {
    if (process.env.NETFIRST_SERVER) (await import('./remote/commands.js')).refuseUnlessRemote(commandPath(action));
  });

  refreshOptions(lockTimeoutOption(planOptions(program.command('plan').description('show what apply would change')))
    .argument('[paths...]', 'spec files or directories (default: .)'), 'plan its correction')
    .option('--refresh-only', 'read what really exists and record it in state; change nothing else')
    .option('--out <file>', 'save the plan as JSON, to apply exactly it later')
    .option('--json', 'print the plan as JSON (format netfirst-plan/1)')
    .option('--markdown', 'print the plan as a markdown pull-request comment')
    .option('--markdown-out <file>', 'write the markdown comment to this file (stdout keeps the text plan, for the job log)')
    .option('--changed-since <rev>', 'plan only the tenants whose specs changed since the merge base of this git revision and HEAD (working tree included), and those whose allocations they touch')
    .option('--detailed-exitcode', 'exit 0 when nothing changes, 2 when something does, 1 on error')
    .option('--target <address>', 'plan only this resource and what it needs (repeatable; the plan may be incomplete)', collect)
    .option('--replace <address>', 'replace this resource though nothing forces it (repeatable)', collect)
    .action(async (paths: string[], opts) => run(async () => (await import('./commands/plan.js')).planCommand(paths, opts), (r) => r.remotePlan(paths, opts))());

  refreshOptions(lockTimeoutOption(planOptions(program.command('apply').description('apply the specs (or a saved plan file) through the providers')))
    .argument('[paths...]', 'spec files or directories, or one saved plan .json'), 'correct it too (a saved plan reads nothing again)')
    .option('--operation-timeout <duration>', 'longest wait for one provider call (default 10m); its outcome is then resolved by reading on the next run')
    .option('--auto-approve', 'do not ask for confirmation')
    .option('--parallelism <n>', 'provider operations at once (default 10)')
    .option('--target <address>', 'apply only this resource and what it needs (repeatable; the result may be incomplete)', collect)
    .option('--replace <address>', 'replace this resource though nothing forces it (repeatable)', collect)
    .action(async (paths: string[], opts) => run(async () => (await import('./commands/plan.js')).applyCommand(paths, opts), (r) => r.remoteApply(paths, opts))());

  refreshOptions(lockTimeoutOption(planOptions(program.command('destroy').description('destroy every resource of the tenants (all tenants in the specs, or --tenant)')))
    .argument('[paths...]', 'spec files or directories'), 'leave out what is already gone', false)
    .option('--auto-approve', 'do not ask for the tenant names')
    .option('--parallelism <n>', 'provider operations at once (default 10)')
    .action(async (paths: string[], opts) => run(async () => (await import('./commands/plan.js')).applyCommand(paths, opts, true))());

  lockTimeoutOption(planOptions(program.command('refresh').description('read what really exists and record drift in state; change nothing else')))
    .argument('[paths...]', 'spec files or directories holding the zones')
    .option('--json', 'the drift as JSON')
    .action(async (paths: string[], opts) => run(async () => (await import('./commands/plan.js')).refreshCommand(paths, opts))());

  partnerOption(globalOptions(program.command('validate').description('check specs without touching anything')))
    .argument('[paths...]', 'spec files or directories')
    .option('--json', 'diagnostics as JSON')
    .option('--changed-since <rev>', "with --partner: judge the whole change since the merge base of this git revision and HEAD (the operator's documents as they were there)")
    .action(async (paths: string[], opts) => run(async () => (await import('./commands/validate.js')).validateCommand(paths, opts))());

  program.command('fmt').description('rewrite spec files in the canonical layout, comments kept (--check: write nothing, exit 3 if any would change)')
    .argument('[paths...]', 'spec files or directories (default: .)')
    .option('--check', 'write nothing: list the files not in the canonical layout and exit 3 if there are any')
    .option('--diff', 'print what changes as a unified diff')
    .option('--json', 'the files changed (or that would change) and the problems, as JSON')
    .action(async (paths: string[], opts) => run(async () => (await import('./commands/fmt.js')).fmtCommand(paths, opts))());

  const state = program.command('state').description('inspect recorded state');
  partnerOption(globalOptions(state.command('list').description('list recorded resources')))
    .option('--specs <paths...>', 'with --partner: spec files or directories holding the Partners document (default: .)')
    .option('--json', 'a JSON array, one entry per resource')
    .option('--tenant <name>', 'only this tenant')
    .action(async (opts) => run(async () => (await import('./commands/state.js')).stateListCommand(opts), (r) => r.remoteStateList(opts))());
  partnerOption(globalOptions(state.command('show').description('show one recorded resource')))
    .option('--specs <paths...>', 'with --partner: spec files or directories holding the Partners document (default: .)')
    .argument('<address>', 'resource address, e.g. acme-dental/vm/web-1')
    .option('--json', 'as JSON')
    .action(async (address: string, opts) => run(async () => (await import('./commands/state.js')).stateShowCommand(address, opts), (r) => r.remoteStateShow(address, opts))());

  // state rm / state mv: edits of the record only, never a provider call (engine/cli/commands/state-edit.ts).
  lockTimeoutOption(partnerOption(globalOptions(state.command('rm').description('forget resources: remove their records, leaving the objects in the provider unmanaged'))))
    .argument('<addresses...>', 'resource addresses, e.g. acme-dental/vm/web-1')
    .option('--dry-run', 'say what would be removed (and what still points at it); change nothing')
    .option('--specs <paths...>', 'with --partner: spec files or directories holding the Partners document (default: .)')
    .option('--json', 'the result as JSON')
    .action(async (addresses: string[], opts) => run(async () => (await import('./commands/state-edit.js')).stateRmCommand(addresses, opts))());
  lockTimeoutOption(partnerOption(globalOptions(state.command('mv').description('move a record (and those nested under it) to another address of the same tenant; nothing is asked of the provider'))))
    .argument('<from>', 'recorded address, e.g. acme-dental/vm/web-1')
    .argument('<to>', 'new address of the same tenant and kind, e.g. acme-dental/vm/www-1')
    .option('--dry-run', 'say what would move; change nothing')
    .option('--specs <paths...>', 'with --partner: spec files or directories holding the Partners document (default: .)')
    .option('--json', 'the result as JSON')
    .action(async (from: string, to: string, opts) => run(async () => (await import('./commands/state-edit.js')).stateMvCommand(from, to, opts))());

  globalOptions(state.command('lock').description('list every lock held now: the whole state, zones, tenants (--json: an array)'))
    .option('--json', 'the lock as JSON (null when unlocked)')
    .action(async (opts) => run(async () => (await import('./commands/lock.js')).stateLockCommand(opts), (r) => r.remoteStateLock(opts))());

  globalOptions(program.command('force-unlock').description('break the state lock with this ID (left by a run that died)'))
    .argument('<id>', 'lock ID, as printed when the state is found locked')
    .action(async (id: string, opts) => run(async () => (await import('./commands/lock.js')).forceUnlockCommand(id, opts))());

  partnerOption(globalOptions(program.command('graph').description('print the plan graph, or with --topology what each tenant is')))
    .argument('[paths...]', 'spec files or directories')
    .option('--topology', "draw each tenant's networks, VMs, disks, public IPs and VPNs, with planned changes marked")
    .option('--tenant <name>', 'with --topology: only this tenant')
    .addOption(new Option('--format <format>', 'output format (svg only with --topology)').choices(['dot', 'mermaid', 'svg']).default('dot'))
    .action(async (paths: string[], opts) => run(async () => (await import('./commands/graph.js')).graphCommand(paths, opts))());

  partnerOption(globalOptions(program.command('reconcile').description('keep reality equal to the specs: every round reads what exists, plans, and reports each tenant Synced | OutOfSync | Drifted | Error'))
    .argument('[paths...]', 'spec files or directories (default: .)')
    .option('--interval <duration>', 'pause between rounds (200ms, 30s, 5m)', '5m')
    .option('--once', 'run one round and exit (cron, pipelines)')
    .option('--self-heal', 'correct drift: put back what was changed or deleted outside netfirst')
    .option('--sync', 'also apply what the specs ask for (pending changes), as apply would')
    .option('--prune', 'with --sync: destroy tenants whose spec file is gone')
    .option('--tenant <name>', 'only this tenant (repeatable)', collect)
    .option('--parallelism <n>', 'provider operations at once while correcting (default 10)')
    .option('--operation-timeout <duration>', 'longest wait for one provider call (default 10m)')
    .option('--json', 'one JSON object per tenant per round, one per line')
    .option('--detailed-exitcode', 'with --once: exit 0 when all Synced, 2 when something differs, 1 on any Error'))
    .action(async (paths: string[], opts) => run(async () => (await import('./commands/reconcile.js')).reconcileCommand(paths, opts))());

  partnerOption(globalOptions(program.command('status').description('the last reconcile results of each tenant (also after the loop has exited)'))
    .argument('[paths...]', 'spec files or directories: also list their tenants not reconciled yet')
    .option('--tenant <name>', 'only this tenant (repeatable)', collect)
    .option('--json', 'as JSON (format netfirst-status/1)'))
    .action(async (paths: string[], opts) => run(async () => (await import('./commands/status.js')).statusCommand(paths, opts), (r) => r.remoteStatus(paths, opts))());

  partnerOption(globalOptions(program.command('watch').description('validate and plan again on every save: only the changed files are read again, only the tenants they concern are planned'))
    .argument('[paths...]', 'spec files or directories to watch (default: .)')
    .option('--apply', 'apply each new plan (labs): as apply --auto-approve --tenant for the tenants planned')
    .option('--debounce <ms>', 'wait this long after the first event of a save for the rest of it', '0'))
    .action(async (paths: string[], opts) => run(async () => (await import('./commands/watch.js')).watchCommand(paths, opts))());

  const usage = program.command('usage').description('usage metering for billing');
  globalOptions(usage.command('export').description('export usage records (VM, vCPU, memory, storage per tier, public IP, network, VPN) per tenant, resource and period'))
    .argument('[paths...]', 'spec files or directories that say which partner each tenant belongs to (default: .)')
    .requiredOption('--from <time>', 'start of the range, inclusive: ISO 8601 UTC (2025-03-01, 2025-03-01T10:00:00Z)')
    .requiredOption('--to <time>', 'end of the range, exclusive')
    .addOption(new Option('--granularity <period>', 'length of each record\'s period').choices(['hour', 'day', 'month']).default('hour'))
    .addOption(new Option('--format <format>', 'output format (default: from the --out extension)').choices(['csv', 'json', 'xml']))
    .option('--tenant <name>', 'only this tenant (repeatable)', collect)
    .option('--partner <name>', "only this partner's tenants")
    .option('--out <file>', 'write to this file (complete, or not at all) instead of stdout')
    .action(async (paths: string[], opts) => run(async () => (await import('./commands/usage.js')).usageExportCommand(paths, opts), (r) => r.remoteUsageExport(paths, opts))());

  globalOptions(program.command('version').description('print the versions of netfirst, Node and the state schema, and the providers built in'))
    .option('--json', 'as JSON')
    .action(async (opts) => run(async () => (await import('./commands/version.js')).versionCommand(opts))());

  partnerOption(globalOptions(program.command('show').description('show a saved plan (plan --out FILE) as plan prints it, or without PLANFILE what the state records')))
    .argument('[planfile]', 'a plan saved with plan --out')
    .option('--specs <paths...>', 'with --partner: spec files or directories holding the Partners document (default: .)')
    .option('--json', 'the plan JSON, or the state as JSON')
    .action(async (planFile: string | undefined, opts) => run(async () => (await import('./commands/show.js')).showCommand(planFile, opts))());

  program
    .command('schema')
    .description('write the JSON Schema of the spec language (for editors)')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts) => run(async () => (await import('./commands/misc.js')).schemaCommand(opts))());

  const zone = program.command('zone').description('inspect zones');
  partnerOption(globalOptions(zone.command('inventory').description("list what really exists in a zone's provider"))
    .argument('<zone>', 'zone name')
    .argument('[paths...]', 'spec files or directories holding the zone')
    .option('--json', 'a JSON array, one entry per resource'))
    .action(async (name: string, paths: string[], opts) => run(async () => (await import('./commands/misc.js')).zoneInventoryCommand(name, paths, opts))());

  partnerOption(globalOptions(program.command('exec').description("the operator's: run a command inside a VM, in its own namespaces and root filesystem (linux provider): netfirst exec ADDRESS -- CMD [ARGS…]; refused in a partner's run"))
    .argument('<address>', 'VM address, e.g. acme-dental/vm/pms-1')
    .argument('<command...>', 'the command and its arguments (after --), run without a shell')
    .option('--specs <paths...>', 'spec files or directories holding the zone (default: .)'))
    .action(async (address: string, argv: string[], opts) => run(async () => (await import('./commands/misc.js')).execCommand(address, argv, opts))());

  globalOptions(program.command('serve').description('serve the web console (at /) and the HTTP API (OpenAPI at /openapi.json, reference at /docs): plans, runs, tenants, zones, state, usage, audit — for tokens made with netfirst token create'))
    .option('--listen <host:port>', 'address to listen on (port 0: any free port)', '127.0.0.1:8080')
    .option('--specs <dir>', 'the spec source: a directory or a git working copy', '.')
    .option('--secrets-dir <dir>', "per-partner secret stores: DIR/PARTNER holds all an uploaded spec of that partner may read")
    .option('--no-watch', 'do not watch the spec directory (sync with POST /api/v1/specs/sync)')
    .option('--git-pull', 'POST /api/v1/specs/sync first pulls the spec working copy from its upstream (fast-forward only): a merge pipeline calls it, then applies')
    .option('--session-idle <duration>', 'a console session ends after this long without a request', '1h')
    .option('--session-max <duration>', 'a console session ends this long after sign-in', '12h')
    .option('--review-branch <prefix>', 'console edits of a git working copy are committed to a new branch PREFIX/TENANT-ID for review (the working copy untouched; merging is the approval), not to the checked-out branch')
    .option('--reconcile <interval>', "run the reconcile loop inside the server: a round every INTERVAL (30s, 5m) records each tenant's verdict (observes only: no self-heal, no sync)")
    .option('--rate-limit <n>', 'requests per token per minute', '600')
    .option('--body-limit <bytes>', 'largest request body', String(8 * 1024 * 1024))
    .option('--openapi', 'print the OpenAPI 3.1 document of the API and exit (docs/openapi.json is its committed copy)')
    .action(async (opts) => run(async () => (await import('./commands/serve.js')).serveCommand(opts))());

  const token = program.command('token').description('API tokens for netfirst serve (the state keeps only their hash)');
  globalOptions(token.command('create').description('make a token; it is printed once, alone on the last line (| tail -1)'))
    .addOption(new Option('--role <role>', 'operator: everything; partner: its tenants; tenant: one tenant; viewer: read only').choices(['operator', 'partner', 'tenant', 'viewer']).makeOptionMandatory())
    .option('--partner <name>', 'the partner a partner token acts as (or a viewer is narrowed to)')
    .option('--tenant <name>', 'the one tenant of a tenant token (or a viewer is narrowed to)')
    .option('--expires <duration>', 'lifetime: 90d, 12h, 30m', '90d')
    .option('--description <text>', 'what the token is for (shown by token list)')
    .action(async (opts) => run(async () => (await import('./commands/serve.js')).tokenCreateCommand(opts))());
  globalOptions(token.command('list').description('list tokens: id, role, scope, status, expiry, last use'))
    .option('--json', 'as JSON')
    .action(async (opts) => run(async () => (await import('./commands/serve.js')).tokenListCommand(opts))());
  globalOptions(token.command('revoke').description('revoke a token: refused from the next request on'))
    .argument('<id>', 'token id (netfirst token list)')
    .action(async (id: string, opts) => run(async () => (await import('./commands/serve.js')).tokenRevokeCommand(id, opts))());

  const audit = program.command('audit').description('the audit log of netfirst serve');
  globalOptions(audit.command('verify').description('check the hash chain: finds a record changed or removed'))
    .option('--json', 'as JSON')
    .action(async (opts) => run(async () => (await import('./commands/serve.js')).auditVerifyCommand(opts))());

  const sim = program.command('sim').description('the embedded sim provider');
  globalOptions(sim.command('serve').description('serve a sim zone over an API that real providers speak (CloudStack), so they can be tried without the real thing'))
    .argument('[paths...]', 'spec files or directories holding the zone (default: .)')
    .option('--cloudstack-api', 'speak the Apache CloudStack API (signed requests, async jobs, pagination) on /client/api')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8080')
    .option('--zone <name>', 'the zone to serve, when the specs hold several')
    .option('--job-delay <duration>', 'how long async jobs stay pending (50ms, 2s)', '50ms')
    .option('--page-size <n>', 'the longest page a list answers (default.page.size)', '500')
    .option('--fault-rate <share>', 'share (0–1) of mutating requests refused before they do anything')
    .option('--fault-seed <n>', 'seed that makes injected faults repeatable', '0')
    .option('--fault-codes <codes>', 'error codes injected refusals use: some of 431,530,533', '431,530,533')
    .option('--job-timeout-rate <share>', 'share (0–1) of async jobs that never report an outcome (their work is still done)')
    .action(async (paths: string[], opts) => run(async () => (await import('./commands/sim-serve.js')).simServeCommand(paths, opts))());

  const importing = program.command('import').description('turn colocation environments (Cisco, RVTools, libvirt) into tenant specs, adopt what a provider already runs, or with ADDRESS ID adopt one object into state');
  // `import ADDRESS ID [paths…]` beside the sources: an address always holds a `/`, a source name never does.
  lockTimeoutOption(partnerOption(globalOptions(importing)))
    .argument('[address]', 'with an ID: the address the specs give the object, e.g. acme-dental/vm/web-1 (it holds a /; otherwise name a source below)')
    .argument('[id]', "the object's ID in its zone's provider")
    .argument('[paths...]', 'spec files or directories (default: .)')
    .option('--json', 'with ADDRESS ID: the imported record as JSON')
    .action(async (address: string | undefined, id: string | undefined, paths: string[], opts) => run(async () => {
      if (address === undefined) importing.help({ error: true });
      const { importOneCommand, isImportAddress } = await import('./commands/import-one.js');
      if (!isImportAddress(address!)) throw new CliError(`unknown import source ${JSON.stringify(address)}: name one of cisco, rvtools, libvirt, provider, or import one object with netfirst import ADDRESS ID (an address such as acme-dental/vm/web-1)`);
      if (id === undefined) throw new CliError(`netfirst import ${address} needs the object's ID in its provider: netfirst import ADDRESS ID [paths...]`);
      return importOneCommand(address!, id, paths, opts);
    })());
  const sources = {
    cisco: 'Cisco IOS/IOS-XE or ASA/PIX configurations (show running-config)',
    rvtools: 'RVTools CSV exports (vInfo, vNetwork, vDisk, vSwitch, dvSwitch tabs)',
    libvirt: 'libvirt XML: domains, networks (virsh dumpxml / net-dumpxml)',
  } as const;
  for (const kind of ['cisco', 'rvtools', 'libvirt'] as const) {
    const cmd = globalOptions(importing.command(kind).description(`import ${sources[kind]} into one tenant spec`))
      .argument('<files...>', sources[kind])
      .requiredOption('--tenant <name>', 'name of the tenant the spec describes')
      .requiredOption('--zone <zone>', 'zone name (looked up in --specs), or the zone file or directory')
      .option('--specs <paths...>', 'where to look for the zone named by --zone (default: .)')
      .option('--partner <name>', 'metadata.partner of the tenant')
      .option('--tier <name>', "storage tier for imported disks (default: the zone's first)")
      .option('--out <dir>', 'write DIR/TENANT.yaml (and DIR/TENANT.secrets.env) instead of printing the spec')
      .option('--secrets-file <file>', 'where the pre-shared keys go (mode 0600; default: TENANT.secrets.env beside the spec --out writes; without --out, keys need this)')
      .option('--force', 'overwrite existing files')
      .option('--json', 'print the import report (and the spec, without --out) as JSON');
    for (const other of ['cisco', 'rvtools', 'libvirt'] as const) {
      if (other !== kind) cmd.option(`--${other} <files...>`, `also merge ${sources[other]}`);
    }
    cmd.action(async (files: string[], opts) => run(async () => (await import('./commands/import.js')).importFilesCommand(kind, files, opts))());
  }
  lockTimeoutOption(partnerOption(globalOptions(importing.command('provider').description("adopt what exists in a zone's provider but is not in state: write specs for it and record it, only if the plan is then empty")))
    .argument('<zone>', 'zone name')
    .argument('[paths...]', 'spec files or directories holding the zone (and existing tenant specs)'))
    .option('--tenant <name>', 'only this tenant (repeatable)', collect)
    .option('--out <dir>', 'where to write the specs of tenants that have none (default: the first path, or .)')
    .option('--dry-run', 'show what would be adopted and check that the plan is empty; record and write nothing')
    .option('--json', 'the adoption result as JSON')
    .action(async (zoneName: string, paths: string[], opts) => run(async () => (await import('./commands/adopt.js')).adoptCommand(zoneName, paths, opts))());

  return program;
}

/** `state list`, `token create`: the command's name under the program's. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function sqliteCode(error: unknown): string | undefined {
  const code: unknown = error instanceof Error ? (error as unknown as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** A reader that went away (`netfirst state list | head`) ends the output, not the process with a stack trace. */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

async function main(): Promise<void> {
  quietOnClosedPipe();
  const program = buildProgram((code) => {
    process.exitCode = code;
  });
  try {
    await program.parseAsync(refreshFlagValues(process.argv));
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`Error: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else if (error instanceof ProviderError) {
      // A provider's own refusal (unreachable endpoint, missing key, a platform error): the operator's to act on.
      process.stderr.write(`Error: ${error.message}\n`);
      process.exitCode = 1;
    } else if (sqliteCode(error)) {
      // The database itself failed (damaged pages, disk full, locked for too long): say so plainly.
      process.stderr.write(`Error: the state or a provider database failed: ${(error as Error).message} (${sqliteCode(error)})\n`);
      process.exitCode = 1;
    } else {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`Error: ${message}\n`);
      if (process.env.NETFIRST_DEBUG) process.stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
      else process.stderr.write('(this is a bug in netfirst; run with NETFIRST_DEBUG=1 for details)\n');
      process.exitCode = 1;
    }
  }
}

await main();
