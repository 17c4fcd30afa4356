/**
 * Cursor pagination for every list. A cursor is the sort key of the last item a page
 * returned, opaque to clients (base64url JSON); the next page starts strictly after it,
 * so items written while a client pages never shift what it sees of the rest (keyset
 * pagination, not offsets). A cursor that does not decode is a 400 naming the field.
 */
import { z } from 'zod';
import { HttpProblem } from './problem.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT).describe(`items per page (1–${MAX_LIMIT})`),
  cursor: z.string().max(2048).optional().describe('nextCursor of the previous page'),
});

export const pageOf = <T extends z.ZodType>(item: T, id: string) => z.object({
  items: z.array(item),
  nextCursor: z.string().optional().describe('pass as cursor for the next page; absent on the last page'),
}).meta({ id });

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === 'string' || typeof k === 'number')) return key as (string | number)[];
  } catch {
    // falls through to the refusal
  }
  throw new HttpProblem('bad-request', 'cursor is not a cursor this server gave out', { errors: [{ field: 'cursor', message: 'not a valid cursor' }] });
}

/**
 * One page of `sorted` (already in key order and filtered): the items after `after`,
 * at most `limit`, and the cursor of the last one when more follow.
 */
export function pageByKey<T>(sorted: readonly T[], key: (item: T) => string, limit: number, cursor: string | undefined): { items: T[]; nextCursor?: string } {
  const after = decodeCursor(cursor, 1)?.[0];
  let start = 0;
  if (after !== undefined) {
    // Binary search: the first key strictly greater than the cursor's.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (key(sorted[mid]!) <= String(after)) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const items = sorted.slice(start, start + limit);
  const more = start + limit < sorted.length;
  return more ? { items, nextCursor: encodeCursor([key(items.at(-1)!)]) } : { items };
}
