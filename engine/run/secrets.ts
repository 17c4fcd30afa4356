/**
 * Secret references resolved at the edge: `{ env }` from the environment, `{ file }`
 * relative to the spec file. Every read, at plan and at apply time alike, obeys:
 * - the tenant's secret policy (engine/partners/secret-policy.ts): a partner's tenant
 *   reads only the variables and directories its Partners entry allows, a file judged by
 *   where it really leads (symlinks followed), so a file swapped for a symlink after the
 *   plan is refused at apply time too;
 * - safe files: a secret file is a regular file of at most 64 KiB, never a device, FIFO,
 *   socket or a file of /proc, /sys or /dev; it is opened without following a last
 *   symlink and without blocking, and never read past the limit.
 * Refusals and errors name the reference as the spec writes it, never a host path.
 *
 * Plans and state only ever see an HMAC digest keyed by the state's random secret key
 * (`hmac-sha256:`), which never leaves the state database; digests keyed by the lineage
 * (`sha256:`, printed in every plan) are only computed to migrate them (legacy-digests.ts).
 */
import { createHmac } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, parse, resolve, sep } from 'node:path';
import type { SpecSet } from '../../specs/model.js';
import { envRefusal, fileRefusal, isWithin, secretPolicy, type SecretPolicy } from '../partners/index.js';
import type { DigestSecret } from '../plan/expand.js';
import type { RecordedResource, SecretRef } from '../../specs/model/resource.js';
import { LEGACY_DIGEST_PREFIX, legacyDigestView, type LegacyDigestView } from './legacy-digests.js';

/** The largest secret file read (bytes). */
export const SECRET_FILE_LIMIT = 64 * 1024;
/** Prefix of digests keyed by the state's secret key. */
export const DIGEST_PREFIX = 'hmac-sha256:';

/** Reads a secret's value for a resource of `tenant`; throws an Error whose message can be shown to anyone. */
export type ResolveSecret = (ref: SecretRef, baseDir: string, tenant: string) => string;

/** What a run's secrets are judged by: the Partners document(s) it plans with, and its partner. */
export interface SecretScope {
  readonly partners: SpecSet['partners'];
  /** `--partner` of the run; undefined for the operator. */
  readonly partner?: string | undefined;
  /**
   * A secret store that replaces every tenant's policy (specs uploaded to the server by a
   * partner or a tenant): `{ file }` references resolve inside this directory and never
   * outside it, and no `{ env }` is read at all — the server's environment is the operator's.
   */
  readonly store?: string | undefined;
}

export const secretScope = (specs: Pick<SpecSet, 'partners'>, partner?: string, store?: string): SecretScope => ({ partners: specs.partners, partner, ...(store !== undefined ? { store } : {}) });

/** Pseudo file systems: their "files" are devices, processes and the kernel, never secrets. */
const PSEUDO = ['/proc', '/sys', '/dev'];
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
/** As the kernel: a path through more symlinks than this leads nowhere. */
const MAX_LINKS = 40;

/** The zone's own secrets (the CloudStack keys): the operator's, so no policy — but the same safe reading. */
export function readZoneSecret(ref: SecretRef, baseDir: string): string {
  return readSecret(ref, baseDir, OPERATOR, () => []);
}

/** The apply-time reader of a run: the same policy as its digester. */
export function secretResolver(scope: SecretScope): ResolveSecret {
  const judge = judgeFor(scope);
  return (ref, baseDir, tenant) => {
    const policy = judge.policy(tenant);
    return readSecret(judge.inStore(ref, tenant), judge.baseDir(baseDir), policy, () => judge.realDirs(policy));
  };
}

/**
 * A digester for one planning run, keyed by the state's secret key: each distinct
 * reference (under each policy) is read and digested once — a thousand tenants often
 * share a handful of secret files.
 */
export function secretDigester(key: Buffer, scope: SecretScope): DigestSecret {
  return digester(key, DIGEST_PREFIX, scope);
}

/**
 * What a planning run needs of secrets: its digester, and state as it must see it —
 * digests of old states migrated (legacy-digests.ts), with the rewrites a locked run
 * makes durable.
 */
export function planningSecrets(input: {
  readonly state: { readonly secretKey: Buffer; readonly lineage: string };
  readonly specs: SpecSet;
  readonly partner?: string | undefined;
  readonly recorded: ReadonlyMap<string, RecordedResource>;
  readonly tenants?: ReadonlySet<string> | undefined;
  /** The server's secret store for uploaded specs (SecretScope.store). */
  readonly store?: string | undefined;
}): LegacyDigestView & { readonly digestSecret: DigestSecret } {
  const scope = secretScope(input.specs, input.partner, input.store);
  const digestSecret = secretDigester(input.state.secretKey, scope);
  const view = legacyDigestView({
    specs: input.specs, recorded: input.recorded, tenants: input.tenants, digest: digestSecret,
    legacy: lineageDigester(input.state.lineage, scope),
  });
  return { ...view, digestSecret };
}

/** Digests as states made before the secret key have them (keyed by the lineage): only to recognize those. */
export function lineageDigester(lineage: string, scope: SecretScope): DigestSecret {
  return digester(lineage, LEGACY_DIGEST_PREFIX, scope);
}

function digester(key: Buffer | string, prefix: string, scope: SecretScope): DigestSecret {
  const judge = judgeFor(scope);
  const seen = new Map<string, { digest: string } | { error: string }>();
  return (ref, specDir, tenant) => {
    const policy = judge.policy(tenant);
    const baseDir = judge.baseDir(specDir);
    // The reference as written is part of the key: messages quote it.
    const cacheKey = `${policyKey(policy)}\0${'env' in ref ? `env:${ref.env}` : `file:${resolve(baseDir, ref.file)}\0${ref.file}`}`;
    let result = seen.get(cacheKey);
    if (!result) {
      try {
        const value = readSecret(judge.inStore(ref, tenant), baseDir, policy, () => judge.realDirs(policy));
        result = { digest: `${prefix}${createHmac('sha256', key).update(value).digest('hex')}` };
      } catch (error) {
        result = { error: error instanceof Error ? error.message : String(error) };
      }
      seen.set(cacheKey, result);
    }
    return result;
  };
}

const OPERATOR: SecretPolicy = { kind: 'operator' };

/** Policies by tenant and the real directories of each partner's, worked out once per run. */
function judgeFor(scope: SecretScope) {
  const policies = new Map<string, SecretPolicy>();
  const dirs = new Map<string, string[]>();
  const store: SecretPolicy | undefined = scope.store === undefined ? undefined
    : { kind: 'partner', partner: scope.partner ?? 'uploaded specs', env: [], dirs: [{ written: 'its secret store on the server', path: scope.store }] };
  return {
    /**
     * A reference as the store holds it: the spec was written for the repository, where
     * the partner's secret directories are as its Partners entry writes them
     * (`secrets/westside-it/…`); in the store that directory is the store itself.
     */
    inStore(ref: SecretRef, tenant: string): SecretRef {
      if (scope.store === undefined || 'env' in ref) return ref;
      const own = secretPolicy({ partners: scope.partners }, tenant, scope.partner);
      const file = ref.file.replace(/^\.\//, '');
      if (own.kind === 'partner') {
        for (const dir of own.dirs) {
          const prefix = `${dir.written.replace(/^\.\//, '').replace(/\/+$/, '')}/`;
          if (file.startsWith(prefix)) return { file: file.slice(prefix.length) };
        }
      }
      return ref;
    },
    /** Where relative `{ file }` references start: the store, when there is one. */
    baseDir(specDir: string): string {
      return scope.store ?? specDir;
    },
    policy(tenant: string): SecretPolicy {
      if (store) return store;
      let policy = policies.get(tenant);
      if (!policy) policies.set(tenant, (policy = secretPolicy(scope, tenant, scope.partner)));
      return policy;
    },
    realDirs(policy: SecretPolicy): string[] {
      if (policy.kind !== 'partner') return [];
      let real = dirs.get(policy.partner);
      if (!real) dirs.set(policy.partner, (real = policy.dirs.map((d) => locate(resolve(d.path)) ?? resolve(d.path))));
      return real;
    },
  };
}

function policyKey(policy: SecretPolicy): string {
  switch (policy.kind) {
    case 'operator': return 'operator';
    case 'refused': return `refused:${policy.why}`;
    case 'partner': return `partner:${policy.partner}`;
  }
}

/** Reads one reference under `policy`. Refusals come first and depend only on the reference as written. */
function readSecret(ref: SecretRef, baseDir: string, policy: SecretPolicy, realDirs: () => readonly string[]): string {
  if ('env' in ref) {
    const refused = envRefusal(policy, ref.env);
    if (refused !== undefined) throw new Error(refused);
    const value = process.env[ref.env];
    if (value === undefined || value === '') throw new Error(`secret environment variable ${ref.env} is not set`);
    return value;
  }
  const path = resolve(baseDir, ref.file);
  const located = locate(path);
  const refused = fileRefusal(policy, ref.file, located, policy.kind === 'partner' ? realDirs() : []);
  if (refused !== undefined) throw new Error(refused);
  return readSecretFile(located ?? path, ref.file);
}

/**
 * Where `path` (absolute) really leads, symlinks followed, whether or not it exists
 * (like `realpath -m`): a missing tail is taken as written. Undefined for a symlink loop.
 */
export function locate(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    // Missing (or unreadable) somewhere: walk it, following each symlink that exists.
  }
  const root = parse(path).root;
  const pending = path.slice(root.length).split(sep).filter((c) => c !== '' && c !== '.');
  let current = root;
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      current = dirname(current);
      continue;
    }
    const next = join(current, part);
    let link: string | undefined;
    try {
      if (lstatSync(next).isSymbolicLink()) link = readlinkSync(next);
    } catch {
      link = undefined;
    }
    if (link === undefined) {
      current = next;
      continue;
    }
    if (++links > MAX_LINKS) return undefined;
    if (isAbsolute(link)) current = parse(link).root;
    pending.unshift(...link.split(sep).filter((c) => c !== '' && c !== '.'));
  }
  return current;
}

/** Reads a secret file: regular, at most SECRET_FILE_LIMIT bytes, one trailing newline dropped. */
function readSecretFile(path: string, written: string): string {
  const fail = (why: string): never => {
    throw new Error(`secret file ${written} ${why}`);
  };
  if (PSEUDO.some((dir) => isWithin(dir, path))) fail('is not a regular file');
  // Looked at before opening: a device or FIFO is never opened at all.
  let before;
  try {
    before = statSync(path);
  } catch (error) {
    return fail(codeOf(error) === 'ENOENT' || codeOf(error) === 'ENOTDIR' ? 'does not exist' : `cannot be read (${codeOf(error) ?? 'error'})`);
  }
  if (!before.isFile()) fail('is not a regular file');
  if (before.size > SECRET_FILE_LIMIT) fail(`is larger than ${SECRET_FILE_LIMIT / 1024} KiB`);
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    return fail(codeOf(error) === 'ELOOP' ? 'is a symbolic link' : `cannot be read (${codeOf(error) ?? 'error'})`);
  }
  try {
    // What was opened is what counts (the path may have been swapped since the look).
    const opened = fstatSync(fd);
    if (!opened.isFile()) fail('is not a regular file');
    if (opened.size > SECRET_FILE_LIMIT) fail(`is larger than ${SECRET_FILE_LIMIT / 1024} KiB`);
    const buffer = Buffer.alloc(SECRET_FILE_LIMIT + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > SECRET_FILE_LIMIT) fail(`is larger than ${SECRET_FILE_LIMIT / 1024} KiB`);
    }
    return buffer.subarray(0, length).toString('utf8').replace(/\r?\n$/, '');
  } finally {
    closeSync(fd);
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
