/**
 * `netfirst watch [DIR…] [--apply]`: validates and plans again on every save. Files are
 * watched with chokidar; a save reloads only the files whose bytes changed and plans
 * only the tenants they concern (engine/watch), then prints that plan and how long it
 * took from the file event. `--apply` applies it (for labs), under the same locks as
 * `apply --tenant`. Ctrl-C (or SIGTERM) stops after what is in flight.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FSWatcher } from 'chokidar';
import { hasErrors } from '../../../specs/diagnostic.js';
import { isEffective } from '../../plan/change.js';
import { renderDiagnostics, renderPlanText } from '../../plan/render-text.js';
import { SpecWorkspace, type Touched } from '../../watch/spec-workspace.js';
import { WatchPlanner, type WatchPlan } from '../../watch/planner.js';
import { CliError } from '../errors.js';
import { colorsFor, print, printErr } from '../output.js';
import { secretDigester, secretScope } from '../../run/secrets.js';
import type { DigestSecret } from '../../plan/expand.js';
import { untilStopped } from '../../run/signals.js';
import { openWorkspaceState, type GlobalOptions } from '../../run/workspace.js';
import { applyCommand } from './plan.js';
import { ownsTenant, partnerView } from '../../partners/index.js';
import { runPartner, type PartnerOptions } from '../../run/partner.js';

export interface WatchOptions extends GlobalOptions, PartnerOptions {
  /** Apply each new plan (labs). */
  readonly apply?: boolean;
  /** Pause after the first event, gathering the rest of one save (editors write twice); default 0. */
  readonly debounce?: string;
  readonly color?: boolean;
}

const SPEC_FILE = /\.ya?ml$/i;

export async function watchCommand(paths: string[], options: WatchOptions): Promise<number> {
  const roots = paths.length > 0 ? paths : ['.'];
  for (const p of roots) if (!existsSync(p)) throw new CliError(`${p}: no such file or directory`);
  const debounceMs = options.debounce === undefined ? 0 : Number(options.debounce);
  if (!Number.isFinite(debounceMs) || debounceMs < 0 || debounceMs > 10_000) throw new CliError(`--debounce must be milliseconds from 0 to 10000, not ${options.debounce}`);
  const colors = colorsFor(process.stdout, options.color === false);

  const state = openWorkspaceState(options);
  const workspace = new SpecWorkspace(roots);
  // A partner's watch plans (and with --apply applies) only the tenants it owns.
  const partner = runPartner(workspace.specs(), options);
  // Secrets are judged by the Partners document as it is now: a new digester when it changes.
  let digester: { partners: unknown; digest: DigestSecret } | undefined;
  const digestSecret: DigestSecret = (ref, baseDir, tenant) => {
    const specs = workspace.specs();
    if (digester?.partners !== specs.partners) digester = { partners: specs.partners, digest: secretDigester(state.secretKey, secretScope(specs, partner?.name)) };
    return digester.digest(ref, baseDir, tenant);
  };
  const planner = new WatchPlanner({
    specs: () => (partner ? partnerView(workspace.specs(), partner) : workspace.specs()),
    ...(partner ? { inScope: (t: string) => ownsTenant(partner, t) } : {}),
    snapshot: () => state.snapshot(),
    serial: () => state.serial(),
    digestSecret,
  });

  let busy: Promise<void> = Promise.resolve();
  const show = (result: WatchPlan, why: string, since: number): boolean => {
    const { plan } = result;
    const ms = performance.now() - since;
    const stamp = new Date().toISOString().slice(11, 19);
    const scope = result.full && !partner ? 'all tenants' : [...result.tenants].sort().join(', ') || 'no tenant';
    print(colors.bold(`\n[${stamp}] ${why}: planned ${scope} in ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`));
    if (plan.diagnostics.length > 0) printErr(renderDiagnostics(plan, colors));
    if (hasErrors(plan.diagnostics)) {
      print(colors.red('Not planned: fix the errors above and save again.'));
      return false;
    }
    const changes = plan.changes.some(isEffective);
    // With --apply, apply prints the plan it carries out.
    if (!(changes && options.apply)) print(renderPlanText(plan, colors));
    return changes;
  };

  const apply = async (tenants: ReadonlySet<string>): Promise<void> => {
    try {
      await applyCommand(roots, { ...options, autoApprove: true, ...(tenants.size > 0 ? { tenant: [...tenants] } : {}) });
    } catch (error) {
      printErr(colors.red(`Apply failed: ${error instanceof Error ? error.message : String(error)}`));
    }
  };

  const first = performance.now();
  const initial = planner.plan();
  planner.warm();
  if (show(initial, `watching ${roots.join(' ')}`, first) && options.apply) await apply(new Set());

  const { watch } = await import('chokidar');
  const pending = new Set<string>();
  let rescan = false;
  let firstEventAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const run = (): void => {
    timer = undefined;
    const files = [...pending];
    const listingChanged = rescan;
    pending.clear();
    rescan = false;
    const since = firstEventAt;
    busy = busy.then(async () => {
      let touched: Touched = { tenants: new Set(), zones: new Set(), partners: false };
      const merge = (t: Touched | undefined): void => {
        if (t) touched = { tenants: new Set([...touched.tenants, ...t.tenants]), zones: new Set([...touched.zones, ...t.zones]), partners: touched.partners || t.partners };
      };
      if (listingChanged) merge(workspace.rescan());
      for (const f of files) if (workspace.has(f)) merge(workspace.reload(f));
      if (touched.tenants.size === 0 && touched.zones.size === 0 && !touched.partners && !listingChanged) return;
      const result = planner.plan(touched);
      // Another partner's file changed: nothing of this partner's to show.
      if (!result.full && result.tenants.size === 0) return;
      const changed = show(result, files.map((f) => f.replace(`${resolve('.')}/`, '')).join(', ') || 'files added or removed', since);
      if (changed && options.apply) await apply(result.tenants);
    }).catch((error: unknown) => printErr(colors.red(`watch: ${error instanceof Error ? error.message : String(error)}`)));
  };
  const schedule = (file: string, listing: boolean): void => {
    if (!SPEC_FILE.test(file)) return;
    if (pending.size === 0 && !rescan) firstEventAt = performance.now();
    pending.add(file);
    if (listing) rescan = true;
    // One save is often several events (write, rename): plan once for them.
    if (!timer) timer = setTimeout(run, debounceMs);
  };

  const watcher: FSWatcher = watch(roots, { ignoreInitial: true, ignored: (p: string) => /(^|[/\\])\.(?!\.?$)/.test(p.replace(/^\.\//, '')) && p !== '.' });
  watcher.on('change', (f) => schedule(f, false));
  watcher.on('add', (f) => schedule(f, true));
  watcher.on('unlink', (f) => schedule(f, true));
  await new Promise<void>((ready) => watcher.once('ready', () => ready()));
  print(colors.dim(`Watching ${roots.join(' ')} for changes${options.apply ? ' (applying each plan)' : ''}. Ctrl-C stops.`));

  await untilStopped();
  if (timer) clearTimeout(timer);
  await watcher.close();
  await busy;
  state.close();
  return 0;
}
