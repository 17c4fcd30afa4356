/**
 * Problems with user input are data, not exceptions: every stage returns diagnostics,
 * the CLI prints them all as `file:line:col: severity: summary` and exits non-zero on
 * any error.
 */

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  readonly summary: string;
  readonly detail?: string;
  readonly file?: string;
  /** Document index inside `file` (YAML streams may hold several). */
  readonly doc?: number;
  readonly line?: number;
  readonly column?: number;
  /** Path inside the YAML document, e.g. ['spec', 'vms', 0, 'memory']. */
  readonly path?: readonly (string | number)[];
  /** Resource address the problem is about, when there is one. */
  readonly address?: string;
  /** What kind of problem, for code that treats some apart (a partner's view); never shown. */
  readonly code?: DiagnosticCode;
}

/** Problems other code recognises: a Zone or Partners document outside the operator's files; a tenant defined twice. */
export type DiagnosticCode = 'misplaced-operator-document' | 'duplicate-tenant';

export const hasErrors = (diagnostics: readonly Diagnostic[]): boolean => diagnostics.some((d) => d.severity === 'error');

/** `examples/iswest/acme.yaml:12:7: error: spec.vms[0].memory: must be a size …` */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : ''}: ` : '';
  const path = d.path && d.path.length > 0 ? `${formatPath(d.path)}: ` : '';
  const detail = d.detail ? `\n  ${d.detail.split('\n').join('\n  ')}` : '';
  return `${where}${d.severity}: ${path}${d.summary}${detail}`;
}

/** ['spec', 'vms', 0, 'memory'] → `spec.vms[0].memory` */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out;
}
