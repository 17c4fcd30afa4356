/**
 * The seal of a saved plan (`plan --out`, `plan --json`): HMAC-SHA256 over the plan's
 * canonical content — every field but `seal`, keys sorted, no whitespace — keyed by the
 * state's secret key. Only a run that holds the state database can seal, so `apply
 * PLANFILE` knows that netfirst wrote the file and that nobody edited it since.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from './values.js';

const SEAL = /^hmac-sha256:([0-9a-f]{64})$/;

/**
 * The state's key also keys secret digests, which plans show for values a partner
 * chooses (the content of its own secret files). Sealing with that key itself would
 * make the digest of a secret file holding a forged plan's canonical text that plan's
 * seal; a key derived for seals alone (HKDF) is the key of no digest.
 */
function sealKey(secretKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'netfirst saved-plan seal v1', 32));
}

function mac(content: Readonly<Record<string, unknown>>, secretKey: Buffer): Buffer {
  return createHmac('sha256', sealKey(secretKey)).update(canonicalJson(content)).digest();
}

/**
 * `content` with its `seal`. The content is taken as JSON gives it back (a round trip
 * first), so the seal is over exactly what a reader of the file will parse.
 */
export function sealPlan(content: unknown, secretKey: Buffer): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(content)) as Record<string, unknown>;
  delete plain.seal;
  return { ...plain, seal: `hmac-sha256:${mac(plain, secretKey).toString('hex')}` };
}

/** Whether `json` (a parsed plan file) carries the seal of its content under this key. */
export function hasValidSeal(json: unknown, secretKey: Buffer): boolean {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return false;
  const { seal, ...content } = json as Record<string, unknown>;
  const given = typeof seal === 'string' ? SEAL.exec(seal) : null;
  if (!given) return false;
  return timingSafeEqual(Buffer.from(given[1]!, 'hex'), mac(content, secretKey));
}
