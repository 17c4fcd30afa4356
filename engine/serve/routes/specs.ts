/** POST /api/v1/specs/sync: read the spec source again (new commits pulled into the working copy, edits). */
import { z } from 'zod';
import type { ServeContext, ZodApp } from '../context.js';
import { requireWriter, seesTenant } from '../caller.js';
import { HttpProblem, ProblemSchema } from '../problem.js';
import { GitError } from '../../gitops/git.js';
import { callerOf } from './request.js';

export const SyncResultSchema = z.object({
  changedFiles: z.array(z.string()).describe("spec files added, changed or removed, from the spec root (the operator's to see: empty for other tokens)"),
  tenants: z.array(z.string()).describe("tenants whose specs changed, of the token's scope"),
  zones: z.array(z.string()),
  partners: z.boolean().describe('the Partners document changed'),
  hash: z.string(),
  commit: z.string().optional(),
}).meta({ id: 'SyncResult' });

export function specRoutes(app: ZodApp, ctx: ServeContext): void {
  app.post('/api/v1/specs/sync', {
    schema: {
      summary: 'Read the specs again', description: "Picks up what changed in the spec source: with `serve --git-pull`, the working copy is first pulled from its upstream (fast-forward only). The server also does this by itself when it watches the directory.",
      tags: ['specs'], response: { 200: SyncResultSchema, 401: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema, 429: ProblemSchema },
    },
  }, async (request) => {
    const caller = callerOf(request);
    requireWriter(caller);
    let r;
    try {
      r = ctx.source.sync({ pull: ctx.options.gitPull ?? false });
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      ctx.audit(caller, { action: 'specs.sync', result: 'failed', detail: error.message });
      throw new HttpProblem('conflict', `the spec working copy could not be brought up to date (${error.message}); the server goes on with what it has`);
    }
    ctx.audit(caller, { action: 'specs.sync', result: 'ok', detail: `${r.changedFiles.length} files changed${r.commit ? ` at ${r.commit.slice(0, 12)}` : ''}` });
    return { changedFiles: caller.role === 'operator' ? [...r.changedFiles] : [], tenants: [...r.touched.tenants].filter((t) => seesTenant(caller, t, ctx.source.specs())).sort(), zones: [...r.touched.zones].sort(), partners: r.touched.partners, hash: r.hash, ...(r.commit ? { commit: r.commit } : {}) };
  });
}
