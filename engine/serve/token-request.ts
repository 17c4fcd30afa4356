/**
 * What a new API token may be: its role, the scope that role needs (a partner token
 * names its partner, a tenant token its tenant; an operator token is never scoped), a
 * lifetime between a second and three years, and a short description. One judgement for
 * both faces that make tokens — `netfirst token create` and the console's Tokens page —
 * each naming the fields its own way (`--partner`, or the form's "Partner").
 */
import type { SpecSet } from '../../specs/model.js';
import { TOKEN_ROLES, type NewToken, type StateStore, type TokenRecord, type TokenRole } from '../../state/index.js';
import { findPartner } from '../partners/index.js';
import { UserError } from '../run/errors.js';
import { durationOf } from '../run/run-options.js';

export type TokenField = 'role' | 'partner' | 'tenant' | 'expires' | 'description';

/** What the user typed; absent or empty means not given. */
export interface TokenAsked {
  readonly role: string;
  readonly partner?: string;
  readonly tenant?: string;
  readonly expires: string;
  readonly description?: string;
}

export interface TokenFieldProblem {
  readonly field: TokenField;
  readonly message: string;
}

export type TokenRequest =
  | { readonly ok: true; readonly token: NewToken; readonly problems?: never }
  | { readonly ok: false; readonly token?: never; readonly problems: readonly TokenFieldProblem[] };

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const LONGEST_MS = 3 * 365 * 86_400_000;
const DESCRIPTION_MAX = 200;

export interface TokenRequestContext {
  /** How this face names a field to its user: `--partner` on the CLI, `Partner` in a form. */
  readonly label: (field: TokenField) => string;
  readonly now: Date;
  /**
   * The specs' Partners documents: when given, a named partner must be one of them
   * (the CLI makes tokens without reading specs and cannot check).
   */
  readonly partners?: Pick<SpecSet, 'partners'>;
}

const given = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());

/** The token asked for, or every problem with the request, each on its field. */
export function tokenRequestOf(asked: TokenAsked, { label, now, partners }: TokenRequestContext): TokenRequest {
  const problems: TokenFieldProblem[] = [];
  const refuse = (field: TokenField, message: string): void => void problems.push({ field, message });
  const partner = given(asked.partner);
  const tenant = given(asked.tenant);
  const description = given(asked.description);
  const role = (TOKEN_ROLES as readonly string[]).includes(asked.role) ? (asked.role as TokenRole) : undefined;

  if (role === undefined) refuse('role', `${label('role')} ${asked.role === '' ? '(none given)' : asked.role}: one of ${TOKEN_ROLES.join(', ')}`);
  if (role === 'partner' && partner === undefined) refuse('partner', `a partner token needs ${label('partner')} (the Partners entry it acts as)`);
  if (role === 'tenant' && tenant === undefined) refuse('tenant', `a tenant token needs ${label('tenant')} (the one tenant it sees and changes)`);
  if (role === 'operator' && partner !== undefined) refuse('partner', `an operator token is not scoped: leave out ${label('partner')}`);
  if (role === 'operator' && tenant !== undefined) refuse('tenant', `an operator token is not scoped: leave out ${label('tenant')}`);
  if (role === 'partner' && tenant !== undefined) refuse('tenant', `a partner token covers every tenant of its partner: leave out ${label('tenant')} (or make a tenant token)`);
  for (const [field, value] of [['partner', partner], ['tenant', tenant]] as const) {
    if (value !== undefined && !NAME.test(value)) refuse(field, `${label(field)} ${value}: a name is a DNS label (a-z, 0-9, -)`);
  }
  if (partner !== undefined && NAME.test(partner) && partners !== undefined && role !== 'operator') {
    const found = findPartner(partners, partner);
    if (found.diagnostics) refuse('partner', `${label('partner')}: ${found.diagnostics.map((d) => d.summary).join('; ')}`);
  }
  if (description !== undefined && description.length > DESCRIPTION_MAX) refuse('description', `${label('description')} is ${description.length} characters: at most ${DESCRIPTION_MAX}`);

  let ms: number | undefined;
  try {
    ms = durationOf(label('expires'), asked.expires.trim());
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    refuse('expires', `${error.message} (e.g. 90d)`);
  }
  if (ms !== undefined && ms > LONGEST_MS) refuse('expires', `${label('expires')} ${asked.expires}: between 1s and 3 years (e.g. 90d)`);

  if (problems.length > 0 || role === undefined || ms === undefined) return { ok: false, problems };
  return {
    ok: true,
    token: {
      role,
      ...(partner !== undefined ? { partner } : {}),
      ...(tenant !== undefined ? { tenant } : {}),
      ...(description !== undefined ? { description } : {}),
      expiresAt: new Date(now.getTime() + ms),
    },
  };
}

/** The audit record's detail of a token made (never its secret): role, scope and expiry. */
export const tokenCreatedDetail = (record: TokenRecord): string =>
  `${record.role} token${record.partner ? ` for partner ${record.partner}` : ''}${record.tenant ? ` for tenant ${record.tenant}` : ''}, expires ${record.expiresAt}`;

/**
 * What `netfirst token create` records on the operator's machine: the token, and an
 * audit record by `cli` acting as the operator, naming it but never its secret.
 */
export function issueCliToken(state: Pick<StateStore, 'createToken' | 'appendAudit'>, token: NewToken, now: Date): { secret: string; record: TokenRecord } {
  const made = state.createToken(token);
  state.appendAudit({ actor: 'cli', role: 'operator', action: 'token.create', target: made.record.id, result: 'ok', detail: tokenCreatedDetail(made.record) }, now);
  return made;
}
