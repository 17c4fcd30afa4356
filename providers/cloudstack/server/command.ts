/**
 * The shape of a command handler. Three kinds, as CloudStack has them: `sync` answers at
 * once, `list` answers the objects it selects (the dispatcher pages them), `async`
 * checks in `submit` what CloudStack checks before it queues the job (its create phase
 * and parameter processing: refusals are the HTTP answer) and returns the job's work,
 * which re-checks what may have changed meanwhile (refusals become the job's failure).
 */
import type { Catalog } from './catalog.js';
import type { Outcome } from './jobs.js';
import type { JsonObject } from './json.js';
import type { Params } from './params.js';
import type { CloudState } from './state.js';

export type { Outcome } from './jobs.js';

export interface Context {
  readonly state: CloudState;
  readonly catalog: Catalog;
  readonly params: Params;
  /** Now, as CloudStack writes dates. */
  readonly timestamp: () => string;
}

export interface Accepted {
  /** The new object's id, which CloudStack answers with the jobid for its "create" commands. */
  readonly id?: string;
  run(): Outcome;
}

export type CommandHandler =
  | { readonly kind: 'sync'; run(ctx: Context): Outcome }
  | { readonly kind: 'list'; readonly key: string; run(ctx: Context): readonly JsonObject[] }
  | { readonly kind: 'async'; readonly instanceType?: string; submit(ctx: Context): Accepted };

export const success: Outcome = { success: true };

export const object = (key: string, value: JsonObject): Outcome => ({ key, value });
