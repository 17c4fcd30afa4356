/**
 * The plan as a pull-request comment (`plan --markdown`): GitHub/GitLab-flavoured
 * markdown, no ANSI colours. In reading order: a heading with the counts, errors, the
 * destructive changes (delete, replace) in a warning block, a table of tenants ×
 * actions, warnings, why the tenants were planned (`--changed-since`), and per tenant
 * the Terraform-like text plan in a collapsed `<details>` section.
 *
 * Text that comes from specs (diagnostics, reasons, attribute values) is escaped or
 * fenced, so a spec can neither break the layout nor inject HTML. A comment longer
 * than `maxLength` (GitHub takes 65,536 characters) drops the per-tenant details first.
 */
import pc from 'picocolors';
import { formatDiagnostic } from '../../specs/diagnostic.js';
import { isEffective, summarize, type Change, type PlanSummary } from './change.js';
import type { Plan } from './plan.js';
import { renderPlanText } from './render-text.js';

export interface MarkdownOptions {
  /** Longest comment; beyond it the per-tenant details are left out (default 60,000). */
  readonly maxLength?: number;
}

const NO_COLORS = pc.createColors(false);
const DEFAULT_MAX = 60_000;

export function renderPlanMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const max = options.maxLength ?? DEFAULT_MAX;
  const full = render(plan, true);
  return full.length <= max ? full : render(plan, false);
}

function render(plan: Plan, details: boolean): string {
  const out: string[] = [];
  const errors = plan.diagnostics.filter((d) => d.severity === 'error');
  const warnings = plan.diagnostics.filter((d) => d.severity !== 'error');
  const effective = plan.changes.filter(isEffective);
  const total = summarize(plan.changes);

  if (errors.length > 0) out.push(`### netfirst plan: ${errors.length} error${errors.length === 1 ? '' : 's'}`);
  else if (effective.length === 0) out.push('### netfirst plan: No changes.');
  else out.push(`### netfirst plan: ${counts(total)}`);
  out.push('');
  if (plan.changedSince) {
    const n = plan.changedSince.tenants.length;
    out.push(`Planned ${n} tenant${n === 1 ? '' : 's'} changed since \`${codeSafe(plan.changedSince.rev)}\` (merge base \`${plan.changedSince.base.slice(0, 12)}\`).`, '');
  }
  if (plan.refreshed === false) {
    out.push('> [!NOTE]', `> **Not refreshed** (\`--refresh=false\`): planned against the recorded state alone; changes made outside netfirst are neither shown nor corrected.`, '');
  }
  if (effective.length === 0 && errors.length === 0) out.push(plan.refreshed === false ? 'The recorded state matches the configuration (not refreshed).' : 'Your infrastructure matches the configuration.', '');

  if (errors.length > 0) {
    out.push('> [!CAUTION]', `> **${errors.length} error${errors.length === 1 ? '' : 's'}: nothing can be applied until ${errors.length === 1 ? 'it is' : 'they are'} fixed.**`, '>');
    out.push(...quoted(fenced(errors.map(formatDiagnostic).join('\n'))), '');
  }

  const destructive = effective
    .filter((c) => c.action === 'delete' || c.action === 'replace')
    .sort((a, b) => rank(a) - rank(b) || byString(a.address, b.address));
  if (destructive.length > 0) {
    const deletes = destructive.filter((c) => c.action === 'delete').length;
    const replaces = destructive.length - deletes;
    const what = [deletes > 0 ? `${deletes} to destroy` : '', replaces > 0 ? `${replaces} to replace` : ''].filter(Boolean).join(', ');
    out.push('> [!WARNING]', `> **Destructive changes: ${what}.**`, '>');
    for (const c of destructive) out.push(`> - ${destructiveLine(c)}`);
    out.push('');
  }

  const byTenant = groupByTenant(effective);
  if (byTenant.size > 0) {
    out.push('| Tenant | Create | Update | Replace | Delete |', '|:--|--:|--:|--:|--:|');
    for (const [tenant, changes] of byTenant) {
      const s = summarize(changes);
      out.push(`| ${tenantCell(tenant, s)} | ${s.create} | ${s.update} | ${s.replace} | ${s.delete} |`);
    }
    if (byTenant.size > 1) out.push(`| **Total** | **${total.create}** | **${total.update}** | **${total.replace}** | **${total.delete}** |`);
    out.push('');
  }

  if (warnings.length > 0) {
    out.push(`**Warnings (${warnings.length}):**`, '', ...fenced(warnings.map(formatDiagnostic).join('\n')), '');
  }
  if (plan.orphanedTenants.length > 0) {
    out.push(`Orphaned tenants (in state, no spec; kept — plan with \`--prune\` to destroy them): ${plan.orphanedTenants.map((t) => `\`${codeSafe(t)}\``).join(', ')}.`, '');
  }
  if (plan.drift && plan.drift.length > 0) {
    out.push(`${plan.drift.length} object${plan.drift.length === 1 ? ' has' : 's have'} changed outside netfirst; the plan corrects ${plan.drift.length === 1 ? 'it' : 'them'}: ${plan.drift.map((d) => `\`${codeSafe(d.address)}\` (${d.kind})`).join(', ')}.`, '');
  } else if (plan.refreshed === true) {
    out.push('Refreshed: nothing has changed outside netfirst.', '');
  }
  if (plan.changedSince && plan.changedSince.tenants.length > 0) {
    out.push('<details><summary>Why these tenants</summary>', '');
    for (const t of plan.changedSince.tenants) out.push(`- **${escapeText(t.tenant)}**: ${t.reasons.map(escapeText).join('; ')}`);
    out.push('', '</details>', '');
  }

  if (byTenant.size > 0) {
    if (!details) out.push('_The per-tenant details are left out: the comment would be too long. The job log has the full plan._', '');
    else {
      for (const [tenant, changes] of byTenant) {
        // Refreshed or not is said once, above, for the whole plan.
        const text = renderPlanText({ changes, orphanedTenants: [] }, NO_COLORS).trimEnd();
        out.push(`<details><summary><strong>${escapeText(tenant)}</strong>: ${counts(summarize(changes))}</summary>`, '', ...fenced(text), '', '</details>', '');
      }
    }
  }
  return out.join('\n').trimEnd() + '\n';
}

const counts = (s: PlanSummary): string => `${s.create} to add, ${s.update} to change, ${s.replace} to replace, ${s.delete} to destroy`;

const rank = (c: Change): number => (c.action === 'delete' ? 0 : c.action === 'replace' ? 1 : 2);
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function destructiveLine(c: Change): string {
  if (c.action === 'delete') return `\`${codeSafe(c.address)}\` will be **destroyed**${c.reason ? ` (${escapeText(c.reason)})` : ''}`;
  if (c.action === 'replace') {
    const why = c.requiresReplace.length > 0 ? `${c.requiresReplace.join(', ')} cannot change in place` : c.reason ?? (c.replacedWith.length > 0 ? `replaced with ${c.replacedWith.join(', ')}` : '');
    return `\`${codeSafe(c.address)}\` must be **replaced**${why ? ` (${escapeText(why)})` : ''}`;
  }
  return `\`${codeSafe(c.address)}\``;
}

function tenantCell(tenant: string, s: PlanSummary): string {
  return s.delete + s.replace > 0 ? `⚠️ ${escapeText(tenant)}` : escapeText(tenant);
}

function groupByTenant(changes: readonly Change[]): Map<string, Change[]> {
  const map = new Map<string, Change[]>();
  for (const c of [...changes].sort((a, b) => byString(a.tenant, b.tenant) || byString(a.address, b.address))) {
    const list = map.get(c.tenant);
    if (list) list.push(c);
    else map.set(c.tenant, [c]);
  }
  return map;
}

/** A fenced block longer than any backtick run inside, so the text cannot close it. */
function fenced(text: string): string[] {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}text`, ...text.split('\n'), fence];
}

function quoted(lines: readonly string[]): string[] {
  return lines.map((l) => (l === '' ? '>' : `> ${l}`));
}

/** Inline code cannot escape a backtick: drop them (names and addresses never hold one). */
const codeSafe = (text: string): string => text.replace(/[`\n\r]/g, '');

/** Markdown and HTML in free text are shown as written, never interpreted; mentions do not ping. */
export function escapeText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/([\\`*_[\]|#~!])/g, '\\$1')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;');
}
