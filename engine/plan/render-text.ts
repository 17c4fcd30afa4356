/**
 * The human plan, shaped like Terraform's: one block per resource with its symbol,
 * attribute-level before → after, `# forces replacement` on the attributes that do,
 * sensitive values as (sensitive), and a closing count line.
 */
import type { Colors } from 'picocolors/types.js';
import { formatDiagnostic } from '../../specs/diagnostic.js';
import type { AttrValue, Attributes } from '../../specs/model/resource.js';
import { followAddressesIn } from '../../specs/model/follow-addresses.js';
import { assertNever, isEffective, movedFromOf, summarize, type Change } from './change.js';
import type { Plan } from './plan.js';
import type { Drift } from './drift.js';
import { valuesEqual } from './values.js';

const SENSITIVE = '(sensitive)';
const NOT_REFRESHED = '(not refreshed)';
/** Said under a plan made against the state alone: what its reader did not get. */
export const NOT_REFRESHED_NOTE = 'Planned against the recorded state without reading what really exists (--refresh=false): changes made outside netfirst are neither shown nor corrected.';

/**
 * `refreshed: false` (a run that did not read what really exists) marks the closing line
 * "(not refreshed)", and "No changes." then speaks of the state, not of the infrastructure.
 */
export function renderPlanText(plan: Pick<Plan, 'changes' | 'orphanedTenants' | 'refreshed'>, c: Colors): string {
  const out: string[] = [];
  const effective = plan.changes.filter(isEffective);
  const notRefreshed = plan.refreshed === false;
  if (effective.length === 0) {
    out.push(c.green(c.bold('No changes.')) + (notRefreshed
      ? ` The recorded state matches the configuration ${c.yellow(NOT_REFRESHED)}.`
      : ' Your infrastructure matches the configuration.'));
    if (notRefreshed) out.push(NOT_REFRESHED_NOTE);
    appendOrphans(plan, out, c);
    return out.join('\n') + '\n';
  }
  out.push('netfirst will perform the following actions:', '');
  // Destructive changes first, so nobody scrolls past them.
  const rank = (ch: Change): number => (ch.action === 'delete' ? 0 : ch.action === 'replace' ? 1 : 2);
  const ordered = [...effective].sort((a, b) => rank(a) - rank(b) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  // References that follow a move are not changes: compare recorded values through the moves.
  const moves = new Map<string, string>();
  for (const ch of plan.changes) {
    const from = movedFromOf(ch);
    if (from !== undefined) moves.set(from, ch.address);
  }
  for (const ch of ordered) out.push(...renderChange(ch, c, moves), '');
  const s = summarize(plan.changes);
  const moved = moves.size > 0 ? `, ${moves.size} to move` : '';
  out.push(
    `${c.bold('Plan:')} ${s.create} to add, ${s.update} to change, ${s.replace} to replace, ${s.delete} to destroy${moved}${notRefreshed ? ` ${c.yellow(NOT_REFRESHED)}` : ''}.`,
  );
  if (notRefreshed) out.push(NOT_REFRESHED_NOTE);
  appendOrphans(plan, out, c);
  return out.join('\n') + '\n';
}

function appendOrphans(plan: Pick<Plan, 'orphanedTenants'>, out: string[], c: Colors): void {
  if (plan.orphanedTenants.length === 0) return;
  out.push('', c.yellow(`Orphaned tenants (in state, no spec; kept — use --prune to destroy): ${plan.orphanedTenants.join(', ')}`));
}

export function renderDiagnostics(plan: Pick<Plan, 'diagnostics'>, c: Colors): string {
  return plan.diagnostics
    .map((d) => {
      const text = formatDiagnostic(d);
      return d.severity === 'error' ? c.red(text) : c.yellow(text);
    })
    .join('\n');
}

function renderChange(ch: Change, c: Colors, moves: ReadonlyMap<string, string>): string[] {
  // A move is said once, as Terraform does, above whatever else the change does.
  const from = movedFromOf(ch);
  const movedLine = from !== undefined ? [c.bold(`  # ${from}`) + ` has moved to ${c.bold(ch.address)}`] : [];
  const head = (symbol: string, color: (s: string) => string, what: string): string[] => [
    ...movedLine,
    c.bold(`  # ${ch.address}`) + ` ${what}`,
    `${color(symbol)} resource "${ch.type}" "${ch.address}" {`,
  ];
  const followed = (before: Attributes): Attributes => followAddressesIn(before, moves);
  switch (ch.action) {
    case 'create':
      return [...head('  +', c.green, 'will be created'), ...attrLines(undefined, ch.after.attributes, ch.after.sensitive, [], c), '    }'];
    case 'delete':
      return [
        ...head('  -', c.red, `will be destroyed${ch.reason ? ` (${ch.reason})` : ''}`),
        ...attrLines(ch.before.attributes, undefined, ch.before.sensitive, [], c),
        '    }',
      ];
    case 'update':
      return [
        ...head('  ~', c.yellow, 'will be updated in place'),
        ...(ch.reason ? [`      # ${ch.reason}`] : []),
        ...attrLines(followed(ch.before.attributes), ch.after.attributes, ch.after.sensitive, [], c),
        '    }',
      ];
    case 'replace': {
      const why = ch.replacedWith.length > 0 ? [`      # forces replacement: ${ch.reason ?? ''}`] : [];
      return [
        ...head('-/+', c.red, ch.requested ? 'will be replaced, as requested' : 'must be replaced'),
        ...why,
        ...attrLines(followed(ch.before.attributes), ch.after.attributes, ch.after.sensitive, ch.requiresReplace, c),
        '    }',
      ];
    }
    case 'noop':
      return movedLine;
    case 'read':
      return [];
    default:
      return assertNever(ch);
  }
}

function attrLines(
  before: Attributes | undefined,
  after: Attributes | undefined,
  sensitive: readonly string[],
  forcing: readonly string[],
  c: Colors,
): string[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].sort();
  const shown = keys.filter((k) => !before || !after || !valuesEqual(before[k], after[k]));
  const width = Math.max(0, ...shown.map((k) => k.length));
  const lines: string[] = [];
  let unchanged = 0;
  const show = (k: string, v: AttrValue | undefined): string => (sensitive.includes(k) ? SENSITIVE : formatValue(v, 8));
  for (const k of keys) {
    const b = before?.[k];
    const a = after?.[k];
    const name = k.padEnd(width);
    if (!before) lines.push(`      ${c.green('+')} ${name} = ${show(k, a)}`);
    else if (!after) lines.push(`      ${c.red('-')} ${name} = ${show(k, b)}`);
    else if (valuesEqual(a, b)) unchanged++;
    else {
      const note = forcing.includes(k) ? c.red(' # forces replacement') : '';
      const value = sensitive.includes(k) ? `${SENSITIVE} # value changed` : `${formatValue(b, 8)} -> ${formatValue(a, 8)}`;
      lines.push(`      ${c.yellow('~')} ${name} = ${value}${note}`);
    }
  }
  if (unchanged > 0) lines.push(c.dim(`        (${unchanged} unchanged attribute${unchanged === 1 ? '' : 's'} hidden)`));
  return lines;
}

/** HCL-like rendering: scalars inline, short collections inline, long ones over lines. */
export function formatValue(v: AttrValue | undefined, indent: number): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object') return String(v);
  const inline = formatInline(v);
  if (inline.length <= 72) return inline;
  const pad = ' '.repeat(indent + 4);
  const end = ' '.repeat(indent);
  if (Array.isArray(v)) return `[\n${(v as readonly AttrValue[]).map((x) => `${pad}${formatValue(x, indent + 4)},`).join('\n')}\n${end}]`;
  const o = v as { readonly [k: string]: AttrValue };
  return `{\n${Object.keys(o).sort().map((k) => `${pad}${k} = ${formatValue(o[k], indent + 4)}`).join('\n')}\n${end}}`;
}

function formatInline(v: AttrValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${(v as readonly AttrValue[]).map(formatInline).join(', ')}]`;
  const o = v as { readonly [k: string]: AttrValue };
  const keys = Object.keys(o).sort();
  return keys.length === 0 ? '{}' : `{ ${keys.map((k) => `${k} = ${formatInline(o[k]!)}`).join(', ')} }`;
}

/** Changes made outside netfirst, shown before the plan that corrects them. */
export function renderDriftText(drift: readonly Drift[], c: Colors): string {
  const out = [c.bold('Note: objects have changed outside of netfirst'), ''];
  for (const d of drift) {
    if (d.kind === 'deleted') {
      out.push(c.bold(`  # ${d.address}`) + ' has been deleted outside netfirst', '');
      continue;
    }
    out.push(c.bold(`  # ${d.address}`) + ' has changed outside netfirst', `  ${c.yellow('~')} resource "${d.type}" "${d.address}" {`);
    out.push(...attrLines(d.before.attributes, d.observed, d.before.sensitive, [], c));
    if (d.providerId !== undefined) out.push(`      ${c.dim(`# its provider id is now ${d.providerId} (was ${d.before.providerId})`)}`);
    out.push('    }', '');
  }
  return out.join('\n');
}
