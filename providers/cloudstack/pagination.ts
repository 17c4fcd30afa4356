/**
 * Walking a list command's pages. CloudStack pages are 1-based, at most
 * `default.page.size` (MAX_PAGE_SIZE) long, and `count` is the total over all pages —
 * when the server says it at all. Paging stops at the first page that is not full, or
 * once `count` objects have come; a page longer than asked means the server ignored
 * paging and sent everything at once.
 */
import type { CloudStackParams } from './params.js';
import { parseListPage, type CloudStackObject } from './response.js';
import type { Send } from './transport.js';

export async function* listAll(send: Send, command: string, params: CloudStackParams, pageSize: number): AsyncGenerator<CloudStackObject> {
  let seen = 0;
  for (let page = 1; ; page += 1) {
    // listall=true: without it CloudStack lists only the caller's own objects, not all those it may see.
    const { items, count } = parseListPage(command, await send(command, { listall: true, ...params, page, pagesize: pageSize }));
    yield* items;
    seen += items.length;
    if (items.length !== pageSize) return;
    if (count !== undefined && seen >= count) return;
  }
}
