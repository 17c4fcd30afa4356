/**
 * serve, token and audit: the server and what its operator does beside it — make and
 * revoke API tokens (only a token's hash is kept; the token is printed once, alone on
 * the last line) and check the audit log's hash chain.
 */
import { resolve } from 'node:path';
import { CliError } from '../errors.js';
import { colorsFor, print, printErr } from '../output.js';
import { durationOf } from '../../run/run-options.js';
import { openWorkspaceState, statePath, type GlobalOptions } from '../../run/workspace.js';
import { issueCliToken, tokenRequestOf } from '../../serve/token-request.js';

export interface ServeCommandOptions extends GlobalOptions {
  readonly listen: string;
  readonly specs: string;
  readonly secretsDir?: string;
  readonly watch: boolean;
  readonly gitPull?: boolean;
  /** `--review-branch PREFIX`: console edits go to new branches PREFIX/<tenant>-<id>. */
  readonly reviewBranch?: string;
  /** `--reconcile 5m`: the in-server reconcile loop's interval. */
  readonly reconcile?: string;
  readonly rateLimit: string;
  readonly bodyLimit: string;
  /** `--session-idle 1h`, `--session-max 12h`: when a console session ends. */
  readonly sessionIdle?: string;
  readonly sessionMax?: string;
  readonly openapi?: boolean;
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new CliError(`--listen ${text}: give HOST:PORT, e.g. 127.0.0.1:8080 (port 0 picks a free one)`);
  return { host: m[1] ?? m[2]!, port };
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${flag} ${text}: give a whole number above 0`);
  return n;
}

export async function serveCommand(options: ServeCommandOptions): Promise<number> {
  if (options.openapi) {
    const { openApiDocument, renderOpenApi } = await import('../../serve/openapi.js');
    process.stdout.write(renderOpenApi(await openApiDocument()));
    return 0;
  }
  const { host, port } = parseListen(options.listen);
  if (options.reviewBranch !== undefined) {
    const { branchNameProblem } = await import('../../gitops/spec-commit.js');
    const problem = branchNameProblem(`${options.reviewBranch}/t-0`);
    if (problem) throw new CliError(`--review-branch ${options.reviewBranch}: ${problem} prefix (e.g. console-edits)`);
  }
  const { startServer } = await import('../../serve/server.js');
  const log = (line: string): void => printErr(`netfirst serve: ${line}`);
  let server;
  try {
    server = await startServer({
      statePath: statePath(options),
      specsDir: resolve(options.specs),
      ...(options.secretsDir !== undefined ? { secretsDir: resolve(options.secretsDir) } : {}),
      rateLimitPerMinute: positiveInt('--rate-limit', options.rateLimit),
      bodyLimit: positiveInt('--body-limit', options.bodyLimit),
      requestTimeoutMs: 60_000,
      ...(options.gitPull ? { gitPull: true } : {}),
      ...(options.reviewBranch !== undefined ? { reviewBranchPrefix: options.reviewBranch } : {}),
      ...(options.reconcile !== undefined ? { reconcileMs: durationOf('--reconcile', options.reconcile) } : {}),
      ...(options.sessionIdle !== undefined ? { sessionIdleMs: durationOf('--session-idle', options.sessionIdle) } : {}),
      ...(options.sessionMax !== undefined ? { sessionMaxMs: durationOf('--session-max', options.sessionMax) } : {}),
      host,
      port,
      watch: options.watch,
      log,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`--listen ${options.listen}: that address is in use`);
    if (code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new CliError(`--listen ${options.listen}: cannot listen there (${code})`);
    throw error;
  }
  // The one line scripts wait for: where the server is.
  print(`netfirst serve: listening on ${server.url} (console ${server.url}/, API ${server.url}/api/v1, docs ${server.url}/docs)`);
  await new Promise<void>((done) => {
    const stop = (signal: string): void => {
      log(`${signal}: draining — no new plans or runs; running ones stop at their next checkpoint`);
      server.stop().then(done, (error: unknown) => {
        log(`stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        done();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log('stopped');
  return 0;
}

export interface TokenCreateOptions extends GlobalOptions {
  readonly role: string;
  readonly partner?: string;
  readonly tenant?: string;
  readonly expires: string;
  readonly description?: string;
}

export function tokenCreateCommand(options: TokenCreateOptions): number {
  // The same judgement as the console's Tokens page; the CLI reads no specs, so the partner's existence is the server's to check.
  const asked = tokenRequestOf(options, { label: (field) => `--${field}`, now: new Date() });
  if (!asked.ok) throw new CliError(asked.problems.map((p) => p.message).join('\n'));
  const { role } = asked.token;
  const state = openWorkspaceState(options);
  try {
    const { secret, record } = issueCliToken(state, asked.token, new Date());
    printErr(`Created ${role} token ${record.id}${record.partner ? ` for partner ${record.partner}` : ''}${record.tenant ? ` for tenant ${record.tenant}` : ''}, expiring ${record.expiresAt}.`);
    printErr('It is shown only now: store it as a secret (the state keeps only its hash).');
    print(secret);
    return 0;
  } finally {
    state.close();
  }
}

export function tokenListCommand(options: GlobalOptions & { readonly json?: boolean }): number {
  const state = openWorkspaceState(options);
  try {
    const tokens = state.listTokens();
    if (options.json) {
      print(JSON.stringify(tokens, null, 2));
      return 0;
    }
    if (tokens.length === 0) {
      print('No tokens. Make one with: netfirst token create --role operator --expires 90d');
      return 0;
    }
    const c = colorsFor(process.stdout);
    const now = Date.now();
    const rows = tokens.map((t) => [
      t.id, t.role, t.partner ?? t.tenant ?? '-',
      t.revokedAt ? c.red('revoked') : Date.parse(t.expiresAt) <= now ? c.yellow('expired') : 'active',
      t.expiresAt.slice(0, 10), t.lastUsedAt?.slice(0, 16).replace('T', ' ') ?? 'never', t.description ?? '',
    ]);
    const head = ['ID', 'ROLE', 'SCOPE', 'STATUS', 'EXPIRES', 'LAST USED', 'DESCRIPTION'];
    const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => plain(r[i]!).length)));
    for (const r of [head, ...rows]) print(r.map((v, i) => v + ' '.repeat(widths[i]! - plain(v).length)).join('  ').trimEnd());
    return 0;
  } finally {
    state.close();
  }
}

export function tokenRevokeCommand(id: string, options: GlobalOptions): number {
  const state = openWorkspaceState(options);
  try {
    if (!state.revokeToken(id, new Date())) throw new CliError(`token ${id}: no such active token (netfirst token list shows them)`);
    state.appendAudit({ actor: 'cli', role: 'operator', action: 'token.revoke', target: id, result: 'ok' }, new Date());
    print(`Revoked token ${id}: it is refused from now on.`);
    return 0;
  } finally {
    state.close();
  }
}

export function auditVerifyCommand(options: GlobalOptions & { readonly json?: boolean }): number {
  const state = openWorkspaceState(options);
  try {
    const result = state.verifyAudit();
    if (options.json) print(JSON.stringify(result, null, 2));
    else if (result.ok) print(`The audit log is intact: ${result.count} record${result.count === 1 ? '' : 's'}, each chained to the one before.`);
    else printErr(`The audit log was tampered with: ${result.problem} (${result.count} records checked).`);
    return result.ok ? 0 : 1;
  } finally {
    state.close();
  }
}
