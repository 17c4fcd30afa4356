/**
 * How list commands choose and page what they answer. Scope follows CloudStack's ACL
 * search for a root admin: with `projectid` only that project's objects (`-1`: every
 * project's); without it only the caller's own account's, never a project's — `listall`
 * widens to other accounts, of which the endpoint has none. Paging: 1-based `page`,
 * `pagesize` up to the endpoint's default.page.size (-1: all, without `page`); without
 * `pagesize` a page is default.page.size long. `count` is the total; an empty result is
 * `{}` and a page past the end is `{ count }` alone, as ApiResponseSerializer writes them.
 */
import type { Context } from './command.js';
import { invalid } from './errors.js';
import type { Json, JsonObject } from './json.js';
import type { Params } from './params.js';
import { ref } from './refs.js';
import type { Owned } from './state.js';

/** Which owners a list request covers. */
export function ownerScope(ctx: Context): (o: Owned) => boolean {
  if (ctx.params.str('projectid') === '-1') return (o) => o.projectid !== undefined;
  const project = ref(ctx, 'projectid', 'projects');
  return project ? (o) => o.projectid === project.id : (o) => o.projectid === undefined;
}

export interface Page<T> {
  readonly count: number;
  readonly items: readonly T[];
}

export function pageOf<T>(items: readonly T[], params: Params, maxPageSize: number): Page<T> {
  const pagesize = params.int('pagesize');
  const page = params.int('page');
  if (pagesize === -1) {
    if (page !== undefined) throw invalid("Can't specify page parameter when pagesize is -1 (Unlimited)");
    return { count: items.length, items };
  }
  if (pagesize !== undefined && pagesize > maxPageSize) throw invalid(`Page size can't exceed max allowed page size value: ${maxPageSize}`);
  if (pagesize !== undefined && pagesize < 1) throw invalid('Page size must be a positive number, or -1 for all');
  const size = pagesize ?? maxPageSize;
  const start = page !== undefined && page > 0 ? (page - 1) * size : 0;
  return { count: items.length, items: items.slice(start, start + size) };
}

export function listBody(key: string, page: Page<Json>): JsonObject {
  if (page.count === 0) return {};
  if (page.items.length === 0) return { count: page.count };
  return { count: page.count, [key]: page.items };
}
