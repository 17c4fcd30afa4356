/**
 * Secrets never leave the importer inside report text. Every line kept in a `SourceLine` or
 * an `Unmapped` goes through `redactSecrets`; `scrubValues` then removes any known key value
 * that a pattern missed (belt and braces: pre-shared keys are the one secret we carry).
 */

const REDACTED = '<redacted>';

const PATTERNS: readonly RegExp[] = [
  // keyword [type digits | md5 …] SECRET — `key 7 X`, `password 0 X`, `message-digest-key 1 md5 X`.
  // `pre-shared-key address …` names a peer, not a key: the key follows its own `key` keyword.
  // IKEv2 keyrings add `local|remote` before the type: `pre-shared-key remote 6 X`.
  /\b(key|password|passwd|secret|pre-shared-key|community|key-string|authentication-key|wpa-psk ascii)(\s+(?:(?:local|remote)\s+)?(?:\d\s+|md5\s+)*)(?!(?:address|hostname|privilege|new-format)\b)(\S+)/gi,
  // snmp-server host … version 2c COMMUNITY
  /\b(version\s+(?:1|2c))(\s+)(?!(?:auth|noauth|priv)\b)(\S+)/gi,
  // standby 1 authentication [text] SECRET
  /\b(standby\s+\d+\s+authentication(?:\s+text)?)(\s+)(?!md5\b)(\S+)/gi,
];

export function redactSecrets(text: string): string {
  return PATTERNS.reduce((acc, re) => acc.replace(re, (_m, kw: string, gap: string) => `${kw}${gap}${REDACTED}`), text);
}

/** Replaces every occurrence of each secret value in `text`. */
export function scrubValues(text: string, secrets: readonly string[]): string {
  return secrets.reduce((acc, s) => (s.length > 0 ? acc.split(s).join(REDACTED) : acc), text);
}
