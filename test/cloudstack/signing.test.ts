/**
 * Request signing as CloudStack checks it: the developer guide's test vector, version 3
 * with `expires`, values CloudStack's Java side encodes differently from
 * encodeURIComponent, and the verifier the CloudStack-compatible test endpoint uses.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeForm, encodeValue } from '../../providers/cloudstack/params.js';
import { canonicalString, checkSignature, computeSignature, formatExpires, parseExpires, signParams, verifySignature } from '../../providers/cloudstack/signing.js';

const GUIDE = {
  apiKey: 'plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg',
  secretKey: 'VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ',
};
const KEYS = { apiKey: 'test-api-key', secretKey: 'test-secret-key' };
const NOW = new Date('2025-01-31T12:00:00Z');
const IN_TEN_MINUTES = new Date('2025-01-31T12:10:00Z');

/** What a server sees after decoding a form body or query string. */
function asReceived(params: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(encodeForm(params)));
}

describe('signing', () => {
  it('reproduces the CloudStack developer guide test vector', () => {
    const signed = signParams({ command: 'listUsers', response: 'json' }, GUIDE);
    expect(signed.signature).toBe('TTpdDq/7j/J58XCRHomKoQXEQds=');
    expect(signed.apiKey).toBe(GUIDE.apiKey);
    expect(canonicalString(signed)).toBe(`apikey=${GUIDE.apiKey.toLowerCase()}&command=listusers&response=json`);
  });

  it('version 3 signs signatureVersion and expires too, with expires as every CloudStack version parses it', () => {
    const signed = signParams({ command: 'listZones', response: 'json' }, KEYS, { expires: IN_TEN_MINUTES });
    expect(signed).toMatchObject({ signatureVersion: '3', expires: '2025-01-31T12:10:00+0000' });
    const expected = 'apikey=test-api-key&command=listzones&expires=2025-01-31t12%3a10%3a00%2b0000&response=json&signatureversion=3';
    expect(canonicalString(signed)).toBe(expected);
    expect(signed.signature).toBe(createHmac('sha1', KEYS.secretKey).update(expected).digest('base64'));
  });

  it.each([
    { reason: 'space is %20, never +', value: 'a b', encoded: 'a%20b' },
    { reason: 'a literal + is %2B, so it cannot be read back as a space', value: 'a+b', encoded: 'a%2Bb' },
    { reason: 'slash', value: '10.0.0.0/24', encoded: '10.0.0.0%2F24' },
    { reason: 'equals and ampersand', value: 'k=v&x', encoded: 'k%3Dv%26x' },
    { reason: 'comma-separated lists', value: 'a,b', encoded: 'a%2Cb' },
    { reason: 'unicode as UTF-8 bytes', value: 'Zürich €', encoded: 'Z%C3%BCrich%20%E2%82%AC' },
    { reason: 'characters outside the BMP', value: '🔐', encoded: '%F0%9F%94%90' },
    { reason: "Java's URLEncoder encodes ! ' ( ) ~, encodeURIComponent does not", value: "!'()~", encoded: '%21%27%28%29%7E' },
    { reason: 'Java leaves * - _ . alone', value: '*-_.', encoded: '*-_.' },
  ])('encodes values as CloudStack re-encodes them: $reason', ({ value, encoded }) => {
    expect(encodeValue(value)).toBe(encoded);
  });

  it('lower-cases the whole string after encoding and leaves names unencoded', () => {
    expect(canonicalString({ command: 'createTags', 'tags[0].key': 'netfirst-address', 'tags[0].value': 'Acme/Net Web+1=A' })).toBe(
      'command=createtags&tags[0].key=netfirst-address&tags[0].value=acme%2fnet%20web%2b1%3da',
    );
  });

  it("sorts names as CloudStack's ApiServer does (Collections.sort on the names as sent), not lower-cased first", () => {
    // 'N' (0x4e) sorts before '_' (0x5f), but 'n' (0x6e) would sort after it.
    expect(canonicalString({ 'details[0].cpu_pin': 'x', 'details[0].cpuNumber': '2' })).toBe('details[0].cpunumber=2&details[0].cpu_pin=x');
  });

  it('sorts flattened list parameters by index and field', () => {
    const params = {
      command: 'deployVirtualMachine',
      'iptonetworklist[1].networkid': 'n2',
      'iptonetworklist[0].ip': '10.0.0.5',
      'iptonetworklist[0].networkid': 'n1',
      'details[0].memory': '2048',
      'details[0].cpuNumber': '2',
    };
    expect(canonicalString(params)).toBe(
      'command=deployvirtualmachine&details[0].cpunumber=2&details[0].memory=2048&iptonetworklist[0].ip=10.0.0.5&iptonetworklist[0].networkid=n1&iptonetworklist[1].networkid=n2',
    );
  });

  it('a signature of its own is never part of what is signed', () => {
    const once = signParams({ command: 'listZones' }, KEYS);
    expect(signParams(once, KEYS).signature).toBe(once.signature);
  });
});

describe('verifySignature', () => {
  const values = ['plain', 'with space', 'a+b', '10.0.0.0/24', 'k=v', 'Zürich €', '🔐', "!'()~*"];

  it.each(values)('accepts its own signature on a value %j after the trip through a form body', (value) => {
    const signed = signParams({ command: 'createVpnCustomerGateway', name: value, ipsecpsk: value, response: 'json' }, KEYS, { expires: IN_TEN_MINUTES });
    expect(verifySignature(asReceived(signed), KEYS.secretKey, NOW)).toBe(true);
  });

  it('accepts a signature without expiry (no signatureVersion) at any time', () => {
    const signed = signParams({ command: 'listZones', response: 'json' }, KEYS);
    expect(verifySignature(asReceived(signed), KEYS.secretKey, new Date('2099-01-01T00:00:00Z'))).toBe(true);
  });

  const signed = signParams({ command: 'deployVirtualMachine', name: 'web-1', response: 'json' }, KEYS, { expires: IN_TEN_MINUTES });

  it.each([
    { reason: 'a value changed', params: { ...signed, name: 'web-2' }, now: NOW, want: 'mismatch' },
    { reason: 'a parameter added', params: { ...signed, expunge: 'true' }, now: NOW, want: 'mismatch' },
    { reason: 'a parameter removed', params: Object.fromEntries(Object.entries(signed).filter(([k]) => k !== 'name')), now: NOW, want: 'mismatch' },
    { reason: 'expires pushed later', params: { ...signed, expires: '2025-01-31T13:00:00+0000' }, now: NOW, want: 'mismatch' },
    { reason: 'another secret key', params: signed, now: NOW, want: 'mismatch', secret: 'other-secret' },
    { reason: 'expired', params: signed, now: new Date('2025-01-31T12:10:01Z'), want: 'expired' },
    { reason: 'no signature', params: Object.fromEntries(Object.entries(signed).filter(([k]) => k !== 'signature')), now: NOW, want: 'missing-signature' },
    { reason: 'no apiKey', params: Object.fromEntries(Object.entries(signed).filter(([k]) => k !== 'apiKey')), now: NOW, want: 'missing-apikey' },
    { reason: 'version 3 without expires', params: Object.fromEntries(Object.entries(signed).filter(([k]) => k !== 'expires')), now: NOW, want: 'missing-expires' },
    { reason: 'an unreadable expires', params: { ...signed, expires: 'tomorrow' }, now: NOW, want: 'bad-expires' },
  ])('rejects a request with $reason', ({ params, now, want, secret }) => {
    expect(checkSignature(params, secret ?? KEYS.secretKey, now)).toEqual({ valid: false, reason: want });
    expect(verifySignature(params, secret ?? KEYS.secretKey, now)).toBe(false);
  });

  it('accepts up to and including the instant of expiry, as CloudStack does (expires.before(now))', () => {
    expect(checkSignature(signed, KEYS.secretKey, IN_TEN_MINUTES)).toEqual({ valid: true });
  });

  it('finds apikey, signatureversion and expires whatever their case, as CloudStack does', () => {
    const params = { command: 'listZones', apikey: KEYS.apiKey, signatureversion: '3', expires: formatExpires(IN_TEN_MINUTES) };
    const lowerCased = { ...params, signature: computeSignature(params, KEYS.secretKey) };
    expect(checkSignature(lowerCased, KEYS.secretKey, NOW)).toEqual({ valid: true });
    expect(checkSignature(lowerCased, KEYS.secretKey, new Date('2025-01-31T12:11:00Z'))).toEqual({ valid: false, reason: 'expired' });
  });

  it.each([
    { value: '2025-01-31T12:00:00+0000', iso: '2025-01-31T12:00:00.000Z' },
    { value: '2025-01-31T12:00:00Z', iso: '2025-01-31T12:00:00.000Z' },
    { value: '2025-01-31T13:30:00+01:30', iso: '2025-01-31T12:00:00.000Z' },
    { value: '2025-01-31T07:00:00-0500', iso: '2025-01-31T12:00:00.000Z' },
    { value: '2025-01-31T12:00:00.250Z', iso: '2025-01-31T12:00:00.250Z' },
  ])('reads expires $value as CloudStack does', ({ value, iso }) => {
    expect(parseExpires(value)?.toISOString()).toBe(iso);
  });

  it.each(['2025-01-31 12:00:00', '2025-01-31T12:00:00', 'tomorrow', '2025-13-45T99:00:00Z'])('refuses expires %j', (value) => {
    expect(parseExpires(value)).toBeUndefined();
  });
});
