/**
 * API tokens: a secret is shown once and only its hash is kept (a stolen database holds
 * no usable token), it finds its token, revocation is once, and a busy token does not
 * write on every request.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openState, type StateStore } from '../../state/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempState(now = () => new Date('2025-06-01T12:00:00.000Z')): { state: StateStore; dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'netfirst-tokens-'));
  dirs.push(dir);
  const path = join(dir, 'state.db');
  return { state: openState(path, { now }), dir, path };
}

const expiresAt = new Date('2026-06-01T00:00:00.000Z');

describe('createToken', () => {
  it('returns a secret that names the token id and is never written to the database', () => {
    const { state, dir, path } = tempState();
    const { secret, record } = state.createToken({ role: 'partner', partner: 'blue', description: 'CI for blue', expiresAt });
    expect(record).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{12}$/), role: 'partner', partner: 'blue', description: 'CI for blue',
      createdAt: '2025-06-01T12:00:00.000Z', expiresAt: '2026-06-01T00:00:00.000Z',
    });
    expect(secret).toMatch(new RegExp(`^nft_${record.id}_[A-Za-z0-9_-]{43}$`));
    const random = secret.slice(`nft_${record.id}_`.length);
    state.close();
    // Every byte SQLite left on disk: the database and any -wal or -shm beside it.
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file));
      expect(bytes.includes(secret), `${file} holds the secret`).toBe(false);
      expect(bytes.includes(random), `${file} holds the secret's random part`).toBe(false);
    }
    const db = new Database(path, { readonly: true });
    const row = db.prepare('SELECT * FROM api_tokens').get() as Record<string, unknown>;
    db.close();
    expect(Object.values(row)).not.toContain(secret);
    expect(row['secret_hash']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives two tokens two ids and two secrets', () => {
    const { state } = tempState();
    const a = state.createToken({ role: 'operator', expiresAt });
    const b = state.createToken({ role: 'operator', expiresAt });
    expect(a.record.id).not.toBe(b.record.id);
    expect(a.secret).not.toBe(b.secret);
    state.close();
  });

  it.each([
    { reason: 'a partner token without its partner would be read as one for every partner', given: { role: 'partner' as const }, want: /partner token needs its partner/ },
    { reason: 'a tenant token without its tenant would be read as one for every tenant', given: { role: 'tenant' as const }, want: /tenant token needs its tenant/ },
  ])('refuses an unscoped token: $reason', ({ given, want }) => {
    const { state } = tempState();
    expect(() => state.createToken({ ...given, expiresAt })).toThrow(want);
    expect(state.listTokens()).toEqual([]);
    state.close();
  });
});

describe('findToken', () => {
  it.each([
    { reason: 'the secret as issued finds its token', given: (s: string) => s, found: true },
    { reason: 'one character changed finds nothing', given: (s: string) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A'), found: false },
    { reason: 'the id alone is not a secret', given: (s: string) => s.slice(0, 'nft_'.length + 12), found: false },
    { reason: 'the stored hash is not a secret either', given: () => 'hash', found: false },
    { reason: 'an empty bearer finds nothing', given: () => '', found: false },
  ])('$reason', ({ given, found }) => {
    const { state, path } = tempState();
    const { secret, record } = state.createToken({ role: 'tenant', tenant: 'acme', expiresAt });
    let presented = given(secret);
    if (presented === 'hash') {
      const db = new Database(path, { readonly: true });
      presented = db.prepare('SELECT secret_hash FROM api_tokens').pluck().get() as string;
      db.close();
    }
    expect(state.findToken(presented)).toEqual(found ? record : undefined);
    state.close();
  });

  it('returns a revoked or expired token as it is: judging it is the caller’s', () => {
    const { state } = tempState();
    const { secret, record } = state.createToken({ role: 'viewer', expiresAt: new Date('2025-01-01T00:00:00.000Z') });
    state.revokeToken(record.id, new Date('2025-06-02T00:00:00.000Z'));
    expect(state.findToken(secret)).toEqual({ ...record, revokedAt: '2025-06-02T00:00:00.000Z' });
    state.close();
  });
});

describe('revokeToken', () => {
  it.each([
    { reason: 'a live token is revoked', given: 'live', want: true, revokedAt: '2025-06-02T00:00:00.000Z' },
    { reason: 'revoking twice keeps the first instant and says no', given: 'revoked', want: false, revokedAt: '2025-06-01T13:00:00.000Z' },
    { reason: 'an unknown id was never there', given: 'unknown', want: false, revokedAt: undefined },
  ])('$reason', ({ given, want, revokedAt }) => {
    const { state } = tempState();
    const { record } = state.createToken({ role: 'operator', expiresAt });
    if (given === 'revoked') state.revokeToken(record.id, new Date('2025-06-01T13:00:00.000Z'));
    expect(state.revokeToken(given === 'unknown' ? '000000000000' : record.id, new Date('2025-06-02T00:00:00.000Z'))).toBe(want);
    expect(state.listTokens()[0]?.revokedAt).toBe(revokedAt);
    state.close();
  });
});

describe('touchToken', () => {
  it.each([
    { reason: 'the first use is recorded', given: ['12:00:00'], want: '12:00:00' },
    { reason: 'uses within a minute are not written', given: ['12:00:00', '12:00:30', '12:00:59.999'], want: '12:00:00' },
    { reason: 'a use a minute later is written', given: ['12:00:00', '12:00:30', '12:01:00'], want: '12:01:00' },
    { reason: 'a busy token is written about once a minute', given: ['12:00:00', '12:00:40', '12:01:10', '12:01:50', '12:02:05'], want: '12:01:10' },
  ])('$reason', ({ given, want }) => {
    const { state } = tempState();
    const { secret, record } = state.createToken({ role: 'viewer', expiresAt });
    for (const t of given) state.touchToken(record.id, new Date(`2025-06-01T${t}Z`));
    expect(state.findToken(secret)?.lastUsedAt).toBe(new Date(`2025-06-01T${want}Z`).toISOString());
    state.close();
  });

  it('commits nothing for the uses within the minute (another connection sees no change)', () => {
    const { state, path } = tempState();
    const { record } = state.createToken({ role: 'viewer', expiresAt });
    state.touchToken(record.id, new Date('2025-06-01T12:00:00.000Z'));
    const observer = new Database(path, { readonly: true });
    const version = () => observer.pragma('data_version', { simple: true });
    const before = version();
    for (let i = 1; i <= 500; i++) state.touchToken(record.id, new Date(Date.parse('2025-06-01T12:00:00.000Z') + i * 100));
    expect(version()).toBe(before);
    state.touchToken(record.id, new Date('2025-06-01T12:01:00.000Z'));
    expect(version()).not.toBe(before);
    observer.close();
    state.close();
  });

  it('lets two processes on one state write at most once a minute between them', () => {
    const { state, path } = tempState();
    const { secret, record } = state.createToken({ role: 'viewer', expiresAt });
    const other = openState(path);
    state.touchToken(record.id, new Date('2025-06-01T12:00:00.000Z'));
    other.touchToken(record.id, new Date('2025-06-01T12:00:30.000Z'));
    expect(state.findToken(secret)?.lastUsedAt).toBe('2025-06-01T12:00:00.000Z');
    other.close();
    state.close();
  });
});

describe('listTokens', () => {
  it('lists every token, revoked ones too, by creation then id', () => {
    let t = Date.parse('2025-06-01T12:00:00.000Z');
    const { state } = tempState(() => new Date((t += 1000)));
    const made = ['a', 'b', 'c'].map((description) => state.createToken({ role: 'operator', description, expiresAt }).record);
    state.revokeToken(made[1]!.id, new Date('2025-06-02T00:00:00.000Z'));
    expect(state.listTokens().map((r) => [r.description, r.revokedAt])).toEqual([['a', undefined], ['b', '2025-06-02T00:00:00.000Z'], ['c', undefined]]);
    state.close();
  });
});
