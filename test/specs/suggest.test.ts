import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../specs/suggest.js';

const VM_FIELDS = ['name', 'hypervisor', 'cluster', 'cpu', 'memory', 'template', 'nics', 'rootDisk', 'disks'];

describe('didYouMean', () => {
  it.each([
    { reason: 'a transposition', given: 'memroy', want: 'memory' },
    { reason: 'a different case costs nothing', given: 'RootDisk', want: 'rootDisk' },
    { reason: 'a missing letter in a short word', given: 'cp', want: 'cpu' },
    { reason: 'long words tolerate more edits (len/3)', given: 'hypervsr', want: 'hypervisor' },
    { reason: 'nothing close enough', given: 'firewall', want: undefined },
    { reason: 'the word itself is no suggestion', given: 'disks', want: undefined },
  ])('$reason', ({ given, want }) => {
    expect(didYouMean(given, VM_FIELDS)).toBe(want);
  });

  it('takes any iterable, such as the keys of a map, and prefers the first of equals', () => {
    expect(didYouMean('ofice', new Map([['office', 1], ['offices', 2]]).keys())).toBe('office');
  });
});
