/**
 * Where a VPN user's password made in the console is kept. The spec gets only a
 * reference, `{ file: <the partner's secret directory>/<tenant>-<user>-password }`, as the
 * Partners document names that directory and relative to the tenant's file, so the
 * repository reads like one written by hand. The value goes to the server's secret
 * store (ServeOptions.secretsDir, DIR/<partner>/…), the only place a partner's specs
 * uploaded to the server read secrets from (bundle.ts). For an edit of the working copy,
 * the reference must lead into that store, as the server's own plans resolve it: the
 * operator runs the server with --secrets-dir set to the directory holding the partners'
 * secret directories. The value is never logged, audited or put into a message.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative, resolve } from 'node:path';
import type { SpecSet } from '../../specs/model.js';
import type { FieldProblem } from '../../specs/edit/index.js';
import { Name } from '../../specs/schema.js';
import { secretPolicy } from '../partners/index.js';
import { locate } from '../run/secrets.js';

export interface PasswordPlacement {
  /** The reference the spec gets. */
  readonly ref: { readonly file: string };
  /** Where the value is written. */
  readonly path: string;
}

/** Longest password taken (a secret file holds at most 64 KiB; a password is far shorter). */
export const MAX_PASSWORD_LENGTH = 256;

export function passwordProblem(password: string): FieldProblem | undefined {
  if (typeof password !== 'string' || password.length === 0) return { field: 'password', message: 'give a password' };
  if (password.length < 8) return { field: 'password', message: 'must be at least 8 characters' };
  if (password.length > MAX_PASSWORD_LENGTH) return { field: 'password', message: `must be at most ${MAX_PASSWORD_LENGTH} characters` };
  if (/[\u0000-\u001f\u007f]/.test(password)) return { field: 'password', message: 'must not hold line breaks or other control characters' };
  return undefined;
}

/**
 * Where the password of VPN user `user` of `tenant` (whose spec is `tenantFile`) goes,
 * or why it cannot be kept. `inPlace`: the edit is planned from the working copy, so
 * the reference must lead into the store.
 */
export function placePassword(input: {
  readonly specs: Pick<SpecSet, 'partners'>;
  readonly secretsDir: string | undefined;
  readonly tenant: string;
  readonly tenantFile: string;
  readonly user: string;
  readonly inPlace: boolean;
}): PasswordPlacement | FieldProblem {
  const { specs, secretsDir, tenant, tenantFile, user } = input;
  // The name becomes part of a file name: a DNS label, or nothing is placed anywhere.
  if (!Name.safeParse(user).success) return { field: 'name', message: 'must be a DNS label: lowercase letters, digits and "-", 1 to 63 characters, not starting or ending with "-"' };
  if (secretsDir === undefined) return { field: 'password', message: 'this server keeps no secrets (it runs without --secrets-dir): a VPN user cannot be added here; ask the operator' };
  const fileName = `${tenant}-${user}-password`;
  const policy = secretPolicy(specs, tenant);
  let ref: string;
  let store: string;
  switch (policy.kind) {
    case 'refused':
      return { field: 'password', message: policy.why };
    case 'partner': {
      const dir = policy.dirs[0];
      if (!dir) return { field: 'password', message: `partner ${policy.partner} has no secret directory in the Partners document (secrets: { files: [...] }): ask the operator for one` };
      ref = relative(dirname(tenantFile), join(dir.path, fileName));
      store = join(secretsDir, policy.partner);
      break;
    }
    case 'operator':
      store = join(secretsDir, `tenant-${tenant}`);
      ref = relative(dirname(tenantFile), join(store, fileName));
      break;
  }
  const path = join(store, fileName);
  if (input.inPlace && (locate(resolve(dirname(tenantFile), ref)) ?? '') !== (locate(path) ?? path)) {
    const written = policy.kind === 'partner' ? policy.dirs[0]!.written : 'the secret directory';
    return { field: 'password', message: `the server's secret store is not where this tenant's spec reads secrets from (${written}): the operator must run netfirst serve with --secrets-dir set to the directory that holds it` };
  }
  return { ref: { file: ref }, path };
}

/**
 * Writes the password (a private file, replaced atomically) and returns what puts back
 * what was there before: the old value, or no file.
 */
export function writePassword(path: string, password: string): () => void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const before = existsSync(path) ? readFileSync(path) : undefined;
  const put = (bytes: Buffer | string): void => {
    const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
    writeFileSync(tmp, bytes, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
  };
  put(`${password}\n`);
  return () => {
    if (before === undefined) rmSync(path, { force: true });
    else put(before);
  };
}
