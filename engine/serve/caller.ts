/**
 * Who is calling, and what they may see and change. A token's role fixes the verbs
 * (operator: everything; partner: its tenants; tenant: one tenant; viewer: read only);
 * its scope fixes the tenants. A tenant outside the caller's scope does not exist for
 * it: routes answer 404, never 403, so scope never leaks existence.
 */
import type { SpecSet } from '../../specs/model.js';
import type { TokenRecord, TokenRole } from '../../state/index.js';
import { findPartner, ownsTenant, type Partner } from '../partners/index.js';
import { HttpProblem } from './problem.js';

export interface Caller {
  readonly tokenId: string;
  readonly role: TokenRole;
  /** The partner a partner token acts as, or a viewer token is narrowed to. */
  readonly partner?: string;
  /** The one tenant of a tenant token (or a narrowed viewer). */
  readonly tenant?: string;
}

export const callerOf = (token: TokenRecord): Caller => ({
  tokenId: token.id,
  role: token.role,
  ...(token.partner !== undefined ? { partner: token.partner } : {}),
  ...(token.tenant !== undefined ? { tenant: token.tenant } : {}),
});

/** The Partners entry a caller's partner scope names, undefined for none; a partner missing from the specs sees nothing. */
function partnerOf(caller: Caller, specs: Pick<SpecSet, 'partners'>): Partner | null | undefined {
  if (caller.partner === undefined) return undefined;
  const found = findPartner(specs, caller.partner);
  return found.partner ?? null;
}

/** Whether the caller may see `tenant` at all (with a spec, in state, or only asked about). */
export function seesTenant(caller: Caller, tenant: string, specs: Pick<SpecSet, 'partners'>): boolean {
  if (caller.tenant !== undefined && caller.tenant !== tenant) return false;
  if (caller.role === 'operator') return true;
  const partner = partnerOf(caller, specs);
  if (partner === null) return false;
  if (partner !== undefined && !ownsTenant(partner, tenant)) return false;
  // A partner token always names its partner; a tenant token its tenant (checked above).
  return caller.role === 'viewer' || caller.role === 'tenant' || partner !== undefined;
}

/** Zones and Partners documents, the state's leases and the audit log are the operator's. */
export const isOperator = (caller: Caller): boolean => caller.role === 'operator';

/** Whether the caller sees everything (no tenant filter needed). */
export const seesAll = (caller: Caller): boolean =>
  caller.tenant === undefined && caller.partner === undefined && (caller.role === 'operator' || caller.role === 'viewer');

export function requireWriter(caller: Caller): void {
  if (caller.role === 'viewer') throw new HttpProblem('forbidden', 'a viewer token may only read');
}

export function requireOperator(caller: Caller, what: string): void {
  if (caller.role !== 'operator') throw new HttpProblem('forbidden', `${what} is the operator's: this token's role is ${caller.role}`);
}

/** The 404 a caller gets for a tenant it may not see: the same words whether it exists or not. */
export const tenantNotFound = (tenant: string): HttpProblem => new HttpProblem('not-found', `tenant ${tenant} was not found`);
