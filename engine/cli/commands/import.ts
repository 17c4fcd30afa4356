/**
 * `netfirst import cisco|rvtools|libvirt FILE…`: colocation environments into a Tenant
 * spec. Files are read here (the only I/O), parsed by the pure importers in
 * engine/migrate/, merged and drafted against the zone, checked the way `validate` checks
 * specs, and written: the YAML to stdout or `--out DIR`, the pre-shared keys to a
 * separate `*.secrets.env` (0600), the report of what was not mapped to stderr (or as
 * JSON with `--json`). Nothing is written unless every file was read.
 */
import { closeSync, constants, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../../../specs/diagnostic.js';
import { countsOf, reportText } from '../../migrate/emit.js';
import type { TenantDraft } from '../../migrate/draft.js';
import { importTenant, IMPORT_KINDS, type ImportKind, type SourceFileText } from '../../migrate/index.js';
import { ImportTooLarge, MAX_IMPORT_FILE_BYTES, MAX_IMPORT_FILES } from '../../migrate/limits.js';
import { UnsupportedFormat } from '../../migrate/model.js';
import { formatMiB } from '../../../specs/limits.js';
import { loadSpecs } from '../../../specs/load.js';
import type { Loaded } from '../../../specs/model.js';
import { Name, type ZoneDoc } from '../../../specs/schema.js';
import { buildDesired } from '../../plan/desired.js';
import { CliError } from '../errors.js';
import { colorsFor, print, printErr } from '../output.js';
import { openWorkspaceState, statePath, type GlobalOptions } from '../../run/workspace.js';
import { assertNever } from '../../../specs/model/never.js';
import { keepOutOfGit, type IgnoreOutcome } from '../git-ignore.js';

/** What the README tells users to ignore; every secrets file import names by itself matches it. */
export const SECRETS_PATTERN = '*.secrets.env';

export interface ImportOptions extends GlobalOptions {
  readonly tenant: string;
  readonly zone: string;
  /** Where to look for the zone when --zone is a name (default: .). */
  readonly specs?: string[];
  readonly partner?: string;
  readonly tier?: string;
  /** Files of the other kinds, merged into the same tenant. */
  readonly cisco?: string[];
  readonly rvtools?: string[];
  readonly libvirt?: string[];
  readonly out?: string;
  readonly secretsFile?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

export function importFilesCommand(kind: ImportKind, files: string[], options: ImportOptions): number {
  const tenant = Name.safeParse(options.tenant);
  if (!tenant.success) throw new CliError(`--tenant ${JSON.stringify(options.tenant)}: ${tenant.error.issues[0]?.message ?? 'not a DNS label'}`);
  const zone = findZone(options);
  if (options.tier !== undefined && !zone.value.spec.storageTiers.some((t) => t.name === options.tier)) {
    throw new CliError(`--tier ${options.tier}: zone ${zone.value.metadata.name} has no such storage tier (it has ${zone.value.spec.storageTiers.map((t) => t.name).join(', ') || 'none'})`);
  }
  const groups = IMPORT_KINDS.map((k) => ({ kind: k, paths: k === kind ? files : (options[k] ?? []) }));
  const all = groups.flatMap((g) => g.paths);
  if (all.length === 0) throw new CliError('no files to import');
  if (all.length > MAX_IMPORT_FILES) throw new CliError(`${all.length} files to import; one import reads at most ${MAX_IMPORT_FILES}`);
  const read = groups.map((g) => ({ kind: g.kind, files: g.paths.map(readImportFile) }));
  const { result: merged, draft, yaml, secrets } = runImport(() => importTenant(read, {
    tenant: tenant.data,
    zone: zone.value,
    command: `netfirst import ${kind}`,
    ...(options.partner !== undefined ? { partner: options.partner } : {}),
    ...(options.tier !== undefined ? { tier: options.tier } : {}),
  }), read);
  const target = options.out !== undefined ? join(options.out, `${draft.tenant}.yaml`) : undefined;
  const secretsTarget = secrets === undefined ? undefined : secretsFileFor(draft.tenant, draft.secrets.length, options);
  for (const path of [target, secretsTarget]) {
    if (path !== undefined && existsSync(path) && !options.force) throw new CliError(`${path} already exists: nothing was written (use --force to overwrite)`);
  }
  const diagnostics = validateDraft(yaml, draft, zone, options);

  if (target !== undefined) {
    mkdirSync(dirname(target), { recursive: true });
    writeAtomically(target, yaml, 0o644);
  }
  let ignored: IgnoreOutcome | undefined;
  if (secretsTarget !== undefined && secrets !== undefined) {
    mkdirSync(dirname(secretsTarget), { recursive: true });
    writeAtomically(secretsTarget, secrets, 0o600);
    ignored = keepOutOfGit(secretsTarget, SECRETS_PATTERN, 'pre-shared keys written by netfirst import: never committed');
  }

  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (options.json) {
    print(JSON.stringify({
      tenant: draft.tenant,
      zone: draft.zone,
      files: [...merged.formats].map(([file, format]) => ({ file, format })),
      counts: countsOf(draft),
      valid: errors.length === 0,
      diagnostics,
      written: { spec: target ?? null, secrets: secretsTarget ?? null, gitignore: ignored?.kind === 'added' ? ignored.gitignore : null },
      secrets: draft.secrets.map((s) => ({ env: s.env, filled: s.value !== undefined, file: s.source.file, line: s.source.line })),
      report: draft.report,
      ...(target === undefined ? { spec: yaml } : {}),
    }, null, 2));
  } else {
    if (target === undefined) process.stdout.write(yaml);
    const c = colorsFor(process.stderr);
    printErr(reportText(draft));
    if (target !== undefined) printErr(c.green(`\nWrote ${target}.`));
    if (secretsTarget !== undefined) {
      const masked = draft.secrets.filter((s) => s.value === undefined).length;
      const git = ignored?.kind === 'covered' || ignored?.kind === 'added' ? 'ignored by git' : 'keep it out of git';
      printErr(`Wrote ${draft.secrets.length} secret(s) to ${secretsTarget} (mode 0600; ${git})${masked > 0 ? `: ${masked} masked in the source, fill them in` : ''}.`);
    }
    for (const d of diagnostics) printErr(d.severity === 'error' ? c.red(formatDiagnostic(d)) : c.yellow(formatDiagnostic(d)));
  }
  if (secretsTarget !== undefined && ignored !== undefined) {
    const note = gitNote(secretsTarget, ignored);
    if (note !== undefined) printErr(note);
  }
  if (errors.length > 0) {
    throw new CliError(`the imported spec does not validate against zone ${draft.zone} yet: ${errors.length} error${errors.length === 1 ? '' : 's'} above${target ? ` (the spec was written to ${target} for you to fix)` : ''}`);
  }
  return 0;
}

/**
 * Where the pre-shared keys go: `--secrets-file`, else beside the spec `--out` writes
 * (DIR/TENANT.secrets.env). Without either the spec goes to stdout and there is no
 * spec file to put them beside: refused rather than dropped into the current directory,
 * which is usually the spec repository.
 */
function secretsFileFor(tenant: string, count: number, options: ImportOptions): string {
  if (options.secretsFile !== undefined) return resolve(options.secretsFile);
  if (options.out !== undefined) return resolve(options.out, `${tenant}.secrets.env`);
  throw new CliError(`the import holds ${count} pre-shared key${count === 1 ? '' : 's'}, and without --out the spec goes to stdout: pass --out DIR (the keys then go beside the spec, DIR/${tenant}.secrets.env) or --secrets-file FILE; nothing was written`);
}

/** What the operator is told about git and the secrets file, on stderr (none when nothing is to be done). */
function gitNote(file: string, outcome: IgnoreOutcome): string | undefined {
  switch (outcome.kind) {
    case 'outside-git':
    case 'covered':
      return undefined;
    case 'added':
      return `Added ${SECRETS_PATTERN} to ${outcome.gitignore}, so git never commits the keys.`;
    case 'no-gitignore':
      return `Note: ${outcome.top} is a git working copy without a .gitignore: add the line ${SECRETS_PATTERN} to one, so git never commits the keys.`;
    case 'pattern-misses':
      return `Warning: ${file} is not ignored by ${outcome.gitignore}, and its name does not match ${SECRETS_PATTERN}: keep it out of git yourself, or name it TENANT.secrets.env.`;
    default:
      return assertNever(outcome);
  }
}

/** `--zone` is a zone file or directory, or a zone name looked up in `--specs` (default .). */
function findZone(options: ImportOptions): Loaded<ZoneDoc> {
  const byPath = existsSync(options.zone);
  const paths = byPath ? [options.zone] : (options.specs && options.specs.length > 0 ? options.specs : ['.']);
  for (const p of paths) if (!existsSync(p)) throw new CliError(`${p}: no such file or directory`);
  const specs = loadSpecs(paths, { parallel: false });
  const zones = [...specs.zones.values()];
  if (byPath) {
    if (zones.length === 1) return zones[0]!;
    throw new CliError(zones.length === 0 ? `--zone ${options.zone}: no Zone document there` : `--zone ${options.zone}: ${zones.length} zones there (${zones.map((z) => z.value.metadata.name).join(', ')}); pass the zone file`);
  }
  const zone = specs.zones.get(options.zone);
  if (zone) return zone;
  const zoneErrors = specs.diagnostics.filter((d) => d.severity === 'error');
  throw new CliError(`zone ${options.zone} is not described in ${paths.join(' ')} (zones there: ${zones.map((z) => z.value.metadata.name).join(', ') || 'none'}); pass --zone FILE or --specs DIR${zoneErrors.length > 0 ? `\n${zoneErrors.slice(0, 5).map(formatDiagnostic).join('\n')}` : ''}`);
}

/**
 * A file to import, read the way spec files are: regular files only (a FIFO or device
 * would block or never end), refused above MAX_IMPORT_FILE_BYTES before it is read
 * into memory, and a file growing while it is read is refused too.
 */
function readImportFile(path: string): SourceFileText {
  const tooLarge = (size: number): CliError => new CliError(`${path}: file is ${formatMiB(size)}; import files are limited to ${formatMiB(MAX_IMPORT_FILE_BYTES)}`);
  let fd: number | undefined;
  try {
    if (!statSync(path).isFile()) throw new CliError(`${path}: not a regular file`);
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const st = fstatSync(fd);
    if (!st.isFile()) throw new CliError(`${path}: not a regular file`);
    if (st.size > MAX_IMPORT_FILE_BYTES) throw tooLarge(st.size);
    const buffer = Buffer.alloc(Math.min(st.size, MAX_IMPORT_FILE_BYTES) + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_IMPORT_FILE_BYTES) throw tooLarge(length);
    return { path, text: buffer.subarray(0, length).toString('utf8') };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : `cannot read file: ${(error as Error).message}`}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function runImport<T>(run: () => T, groups: readonly { kind: ImportKind; files: readonly SourceFileText[] }[]): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof UnsupportedFormat) {
      const kind = groups.find((g) => g.files.some((f) => f.path === error.file))?.kind;
      throw new CliError(`${error.file}: not ${kind ? describeKind(kind) : 'a supported'} file: ${error.why}`);
    }
    if (error instanceof ImportTooLarge) throw new CliError(`${error.message}: one import is one tenant's worth; split the source by customer, or import the part that is one`);
    const files = groups.flatMap((g) => g.files.map((f) => f.path)).join(', ');
    throw new CliError(`cannot import ${files}: ${error instanceof Error ? error.message : String(error)} (a bug in netfirst: please report it with the files)`);
  }
}

const describeKind = (kind: ImportKind): string => ({ cisco: 'a Cisco IOS/ASA configuration', rvtools: 'an RVTools CSV export', libvirt: 'a libvirt XML' })[kind];

/**
 * The checks `netfirst validate` makes, on the drafted spec against its zone (and the
 * state, when there is one): the drafted file is loaded like any spec, from a temporary
 * copy so that nothing is written where the user looks before it passes.
 */
export function validateDraft(yaml: string, draft: TenantDraft, zone: Loaded<ZoneDoc>, options: ImportOptions): Diagnostic[] {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-import-'));
  const shown = options.out !== undefined ? join(options.out, `${draft.tenant}.yaml`) : `${draft.tenant}.yaml`;
  try {
    const file = join(dir, `${draft.tenant}.yaml`);
    writeFileSync(file, yaml);
    const specs = loadSpecs([zone.file, file], { parallel: false });
    const diagnostics: Diagnostic[] = [...specs.diagnostics];
    if (!diagnostics.some((d) => d.severity === 'error')) {
      let recorded = new Map();
      if (existsSync(statePath(options))) {
        const state = openWorkspaceState(options);
        recorded = new Map(state.snapshot().resources);
        state.close();
        // This tenant's own recorded resources are not conflicts with itself.
        for (const [address, r] of recorded) if (r.tenant === draft.tenant) recorded.delete(address);
      }
      // Secrets are references to values the operator loads later: any value will do here.
      const built = buildDesired({ specs, recorded, digestSecret: () => ({ digest: 'sha256:import-check' }), tenants: new Set([draft.tenant]) });
      for (const d of built.diagnostics) diagnostics.push(d);
    }
    return diagnostics.map((d) => (d.file === file ? { ...d, file: shown } : d));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Write to a sibling temporary file and rename: a reader sees the old file or the new one, never half. */
function writeAtomically(path: string, text: string, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, mode); // the umask may have narrowed or the file existed with other bits
  renameSync(tmp, path);
}
