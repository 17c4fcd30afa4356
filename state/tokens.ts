/**
 * API tokens for `netfirst serve`: opaque bearer secrets, each scoped by a role (and a
 * partner or tenant). Only sha256(secret) is kept: the secret is shown once, at
 * creation, and a copy of the database grants nothing. A secret reads
 * `nft_<id>_<32 random bytes, base64url>`, so logs can name the token (its id) without
 * holding its secret. Whether a token is expired or revoked is the caller's to judge:
 * the table reports what it holds. Timestamps are ISO 8601 UTC with milliseconds.
 */
import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { guardWrites } from './state-file.js';

export const TOKEN_ROLES = ['operator', 'partner', 'tenant', 'viewer'] as const;
/**
 * | role       | may                                                         | scope           |
 * |------------|-------------------------------------------------------------|-----------------|
 * | `operator` | anything                                                    | none            |
 * | `partner`  | plan and apply the tenants its Partners entry names         | `partner` (set) |
 * | `tenant`   | see and change one tenant                                   | `tenant` (set)  |
 * | `viewer`   | read only                                                   | optional        |
 */
export type TokenRole = (typeof TOKEN_ROLES)[number];

export interface TokenRecord {
  /** 12 hex characters, random; part of the secret, so a log can name the token. */
  readonly id: string;
  readonly role: TokenRole;
  readonly partner?: string;
  readonly tenant?: string;
  readonly description?: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** Within a minute of the last use (touchToken writes at most once a minute). */
  readonly lastUsedAt?: string;
  readonly revokedAt?: string;
}

export interface NewToken {
  readonly role: TokenRole;
  /** Required for `partner` tokens. */
  readonly partner?: string;
  /** Required for `tenant` tokens. */
  readonly tenant?: string;
  readonly description?: string;
  readonly expiresAt: Date;
}

export interface TokenTable {
  /** The secret is returned once and never stored: only sha256(secret). */
  createToken(input: NewToken): { secret: string; record: TokenRecord };
  /** By hash; undefined when unknown. (Expiry/revocation are the caller's to judge: return the record as is.) */
  findToken(secret: string): TokenRecord | undefined;
  /** By id (a console session holds the id, never the secret); undefined when unknown. */
  getToken(id: string): TokenRecord | undefined;
  /** Records last use; writes at most once a minute per token (a busy token must not write on every request). */
  touchToken(id: string, at: Date): void;
  /** Every token, revoked and expired ones too, by createdAt then id. */
  listTokens(): TokenRecord[];
  /** true when it existed and was not yet revoked. */
  revokeToken(id: string, at: Date): boolean;
}

/** How often a token's last use is written at most. */
export const TOKEN_TOUCH_INTERVAL_MS = 60_000;

interface Row {
  id: string;
  role: string;
  partner: string | null;
  tenant: string | null;
  description: string | null;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface TokenDeps {
  /** The clock that stamps createdAt. */
  readonly now: () => Date;
  /** Throws StateFileGoneError when the state file is no longer the one opened. */
  readonly verifyFile?: () => void;
}

/** sha256 of the secret, hex: what is kept and looked up. A secret has 256 random bits, so no salt or slow hash is needed. */
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function prepareTokens(db: Database.Database, { now, verifyFile = () => undefined }: TokenDeps): TokenTable {
  const guarded = guardWrites(verifyFile);
  const insert = db.prepare(`INSERT INTO api_tokens (id, secret_hash, role, partner, tenant, description, created_at, expires_at)
    VALUES (@id, @secret_hash, @role, @partner, @tenant, @description, @created_at, @expires_at)`);
  const byId = db.prepare<[string], Row>('SELECT * FROM api_tokens WHERE id = ?');
  const byHash = db.prepare<[string], Row>('SELECT * FROM api_tokens WHERE secret_hash = ?');
  const list = db.prepare<[], Row>('SELECT * FROM api_tokens ORDER BY created_at, id');
  // The guard on last_used_at keeps two server processes to one write a minute as well.
  const touch = db.prepare('UPDATE api_tokens SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at <= @due)');
  const revoke = db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  // When this process last wrote (or chose not to write) each token's use: a busy token
  // is answered from memory, without taking SQLite's write lock on every request.
  const lastTouched = new Map<string, number>();

  const create = db.transaction((input: NewToken): { secret: string; record: TokenRecord } => {
    let id: string;
    do id = randomBytes(6).toString('hex');
    while (byId.get(id) !== undefined);
    const secret = `nft_${id}_${randomBytes(32).toString('base64url')}`;
    insert.run({
      id, secret_hash: hashSecret(secret), role: input.role, partner: input.partner ?? null, tenant: input.tenant ?? null,
      description: input.description ?? null, created_at: now().toISOString(), expires_at: input.expiresAt.toISOString(),
    });
    return { secret, record: fromRow(byId.get(id)!) };
  });

  return {
    createToken(input) {
      if (!(TOKEN_ROLES as readonly string[]).includes(input.role)) throw new Error(`tokens: unknown role ${input.role}`);
      // An unscoped partner or tenant token would be read as one for everything.
      if (input.role === 'partner' && !input.partner) throw new Error('tokens: a partner token needs its partner');
      if (input.role === 'tenant' && !input.tenant) throw new Error('tokens: a tenant token needs its tenant');
      return guarded(() => create.immediate(input));
    },
    findToken(secret) {
      const row = byHash.get(hashSecret(secret));
      return row ? fromRow(row) : undefined;
    },
    getToken(id) {
      const row = byId.get(id);
      return row ? fromRow(row) : undefined;
    },
    touchToken(id, at) {
      const ms = at.getTime();
      const last = lastTouched.get(id);
      if (last !== undefined && ms - last < TOKEN_TOUCH_INTERVAL_MS) return;
      guarded(() => touch.run({ id, at: at.toISOString(), due: new Date(ms - TOKEN_TOUCH_INTERVAL_MS).toISOString() }));
      lastTouched.set(id, ms);
    },
    listTokens: () => list.all().map(fromRow),
    revokeToken: (id, at) => guarded(() => revoke.run(at.toISOString(), id).changes === 1),
  };
}

function fromRow(row: Row): TokenRecord {
  return {
    id: row.id,
    role: row.role as TokenRole,
    ...(row.partner !== null ? { partner: row.partner } : {}),
    ...(row.tenant !== null ? { tenant: row.tenant } : {}),
    ...(row.description !== null ? { description: row.description } : {}),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...(row.last_used_at !== null ? { lastUsedAt: row.last_used_at } : {}),
    ...(row.revoked_at !== null ? { revokedAt: row.revoked_at } : {}),
  };
}
