/**
 * Secret references resolved at the edge: `{ env }` from the environment, `{ file }`
 * relative to the spec file. Plans and state only ever see an HMAC digest keyed by the
 * state lineage, so equal secrets in different states do not give equal digests.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SecretRef } from '../resource.js';

export function resolveSecret(ref: SecretRef, baseDir: string): string {
  if ('env' in ref) {
    const value = process.env[ref.env];
    if (value === undefined || value === '') throw new Error(`secret environment variable ${ref.env} is not set`);
    return value;
  }
  const path = resolve(baseDir, ref.file);
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch {
    throw new Error(`secret file ${ref.file} (${path}) cannot be read`);
  }
}

/**
 * A digester for one planning run: each distinct reference is read and digested once
 * (a thousand tenants often share a handful of secret files).
 */
export function secretDigester(lineage: string): (ref: SecretRef, baseDir: string) => { digest: string } | { error: string } {
  const seen = new Map<string, { digest: string } | { error: string }>();
  return (ref, baseDir) => {
    const key = 'env' in ref ? `env:${ref.env}` : `file:${resolve(baseDir, ref.file)}`;
    let result = seen.get(key);
    if (!result) {
      try {
        const value = resolveSecret(ref, baseDir);
        result = { digest: `sha256:${createHmac('sha256', lineage).update(value).digest('hex')}` };
      } catch (error) {
        result = { error: error instanceof Error ? error.message : String(error) };
      }
      seen.set(key, result);
    }
    return result;
  };
}
