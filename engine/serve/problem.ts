/**
 * Errors as RFC 9457 problem details (`application/problem+json`). Every refusal the API
 * gives is an HttpProblem with a stable `type` (a URN per kind of problem, never changed
 * once shipped), a `title` that is the same for every problem of that type, and a `detail`
 * for this occurrence. Spec problems carry the same diagnostics the CLI prints. No
 * response ever holds a stack trace: an unexpected error becomes a 500 that says only that.
 */
import { relative } from 'node:path';
import { z } from 'zod';
import type { Diagnostic } from '../../specs/diagnostic.js';

/** The problem types the API uses; the slug is part of the stable `type` URN. */
export const PROBLEM_TYPES = {
  'bad-request': { status: 400, title: 'The request is not valid' },
  'unauthenticated': { status: 401, title: 'A valid bearer token is required' },
  'forbidden': { status: 403, title: 'The token may not do this' },
  'not-found': { status: 404, title: 'Not found' },
  'conflict': { status: 409, title: 'The resource is not in a state that allows this' },
  'stale-plan': { status: 409, title: 'The plan is stale' },
  'state-locked': { status: 409, title: 'The state is locked by another run' },
  'idempotency-mismatch': { status: 422, title: 'The Idempotency-Key was used with another request' },
  'invalid-specs': { status: 422, title: 'The specs have errors' },
  'refused': { status: 422, title: 'The change is outside what the caller may do' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'The request body has an unsupported media type' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'draining': { status: 503, title: 'The server is shutting down' },
  'internal': { status: 500, title: 'Internal server error' },
} as const;

export type ProblemKind = keyof typeof PROBLEM_TYPES;

export const problemType = (kind: ProblemKind): string => `urn:netfirst:problem:${kind}`;

export const DiagnosticSchema = z.object({
  severity: z.enum(['error', 'warning']),
  summary: z.string(),
  detail: z.string().optional(),
  file: z.string().optional(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
  path: z.string().optional().describe('the field inside the document, dotted (spec.networks.0.cidr)'),
  address: z.string().optional(),
}).meta({ id: 'Diagnostic' });

export type ApiDiagnostic = z.infer<typeof DiagnosticSchema>;

export const ProblemSchema = z.object({
  type: z.string().describe('a stable URN naming the kind of problem (urn:netfirst:problem:not-found)'),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional().describe('the request path'),
  diagnostics: z.array(DiagnosticSchema).optional().describe('spec problems, as the CLI prints them'),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe('request fields that are not valid'),
}).meta({ id: 'Problem' });

export type Problem = z.infer<typeof ProblemSchema>;

/** Thrown by handlers; turned into a problem+json response by the error handler. */
export class HttpProblem extends Error {
  readonly kind: ProblemKind;
  readonly extra: Pick<Problem, 'diagnostics' | 'errors'>;
  readonly headers: Readonly<Record<string, string>>;
  constructor(kind: ProblemKind, detail: string, extra: Pick<Problem, 'diagnostics' | 'errors'> = {}, headers: Record<string, string> = {}) {
    super(detail);
    this.kind = kind;
    this.extra = extra;
    this.headers = headers;
  }
  get status(): number {
    return PROBLEM_TYPES[this.kind].status;
  }
}

export function problemBody(kind: ProblemKind, detail: string, instance?: string, extra: Pick<Problem, 'diagnostics' | 'errors'> = {}): Problem {
  const { status, title } = PROBLEM_TYPES[kind];
  return { type: problemType(kind), title, status, detail, ...(instance !== undefined ? { instance } : {}), ...extra };
}

/** The engine's diagnostics as the API shows them: the same fields the CLI prints, the path dotted. */
export function apiDiagnostics(diagnostics: readonly Diagnostic[], root?: string): ApiDiagnostic[] {
  // Files are named from the spec root: the server's own directories are nobody's business.
  const shown = (file: string): string => (root !== undefined && (file === root || file.startsWith(`${root}/`)) ? relative(root, file) || '.' : file);
  return diagnostics.map((d) => ({
    severity: d.severity,
    summary: d.summary,
    ...(d.detail !== undefined ? { detail: d.detail } : {}),
    ...(d.file !== undefined ? { file: shown(d.file) } : {}),
    ...(d.line !== undefined ? { line: d.line } : {}),
    ...(d.column !== undefined ? { column: d.column } : {}),
    ...(d.path !== undefined && d.path.length > 0 ? { path: d.path.join('.') } : {}),
    ...(d.address !== undefined ? { address: d.address } : {}),
  }));
}

export const notFound = (what: string): HttpProblem => new HttpProblem('not-found', `${what} was not found`);
