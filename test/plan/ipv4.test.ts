import { describe, expect, it } from 'vitest';
import { contains, formatIpv4, hostRange, iterateRange, nthHost, overlaps, parseCidr, parseIpv4, parseIpv4Range } from '../../specs/model/net/ipv4.js';

const ip = (text: string): number => parseIpv4(text)!;

describe('IPv4 math', () => {
  it.each([
    { reason: 'dotted quads parse to unsigned 32-bit integers', given: '10.20.0.1', want: 0x0a140001 },
    { reason: 'the top of the space stays unsigned', given: '255.255.255.255', want: 0xffffffff },
    { reason: 'leading zeros are not accepted (octal ambiguity)', given: '010.0.0.1', want: undefined },
    { reason: 'octets above 255 are not addresses', given: '10.0.0.256', want: undefined },
    { reason: 'three parts are not an address', given: '10.0.1', want: undefined },
    { reason: 'names are not addresses', given: 'gateway', want: undefined },
  ])('$reason', ({ given, want }) => {
    expect(parseIpv4(given)).toBe(want);
    if (want !== undefined) expect(formatIpv4(want)).toBe(given);
  });

  it.each([
    { reason: 'a /24 spans network to broadcast', given: '10.20.0.0/24', want: { first: ip('10.20.0.0'), last: ip('10.20.0.255'), prefix: 24 } },
    { reason: 'a /0 is the whole space', given: '0.0.0.0/0', want: { first: 0, last: 0xffffffff, prefix: 0 } },
    { reason: 'a prefix above 32 is not a block', given: '10.0.0.0/33', want: undefined },
  ])('$reason', ({ given, want }) => {
    expect(parseCidr(given)).toEqual(want);
  });

  it.each([
    { reason: 'hosts exclude network and broadcast', given: '10.0.0.0/29', want: ['10.0.0.1', '10.0.0.6', '10.0.0.1'] },
    { reason: 'a /31 has two usable addresses (RFC 3021)', given: '10.0.0.0/31', want: ['10.0.0.0', '10.0.0.1', '10.0.0.0'] },
    { reason: 'a /32 is its single address', given: '10.0.0.7/32', want: ['10.0.0.7', '10.0.0.7', '10.0.0.7'] },
  ])('$reason', ({ given, want }) => {
    const block = parseCidr(given)!;
    const hosts = hostRange(block);
    expect([formatIpv4(hosts.first), formatIpv4(hosts.last), formatIpv4(nthHost(block, 1)!)]).toEqual(want);
  });

  it.each([
    { reason: 'a block inside another overlaps it', given: ['10.0.0.0/16', '10.0.3.0/24'], want: true },
    { reason: 'adjacent blocks do not overlap', given: ['10.0.0.0/24', '10.0.1.0/24'], want: false },
  ])('$reason', ({ given, want }) => {
    expect(overlaps(parseCidr(given[0]!)!, parseCidr(given[1]!)!)).toBe(want);
  });

  it('walks ranges and answers containment', () => {
    const range = parseIpv4Range('203.0.113.10 - 203.0.113.12')!;
    expect([...iterateRange(range)].map(formatIpv4)).toEqual(['203.0.113.10', '203.0.113.11', '203.0.113.12']);
    expect([contains(range, ip('203.0.113.9')), contains(range, ip('203.0.113.12'))]).toEqual([false, true]);
    expect(nthHost(parseCidr('10.0.0.0/30')!, 3)).toBeUndefined();
    expect(parseIpv4Range('203.0.113.12-203.0.113.10')).toBeUndefined();
  });
});
