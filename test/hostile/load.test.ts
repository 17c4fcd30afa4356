/**
 * Hostile spec files at the loader: each ends in diagnostics naming the file and line
 * (or the path), in bounded time, never an exception, and never a change to any
 * object's prototype. The CLI's side of the same cases is cli.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../specs/diagnostic.js';
import { MAX_SPEC_FILE_BYTES } from '../../specs/limits.js';
import { loadFile } from '../../specs/load-file.js';
import { loadSpecs } from '../../specs/load.js';
import { SourceFile } from '../../specs/source.js';
import { REPO } from '../cli/harness.js';

const FIXTURES = join(REPO, 'test', 'fixtures', 'hostile-specs');

/** Diagnostics of loading `paths`, as the CLI prints them, with paths relative to `base`. */
function diagnose(paths: string[], base: string): string[] {
  // Bounded: a case that hung or blew up would fail on vitest's timeout; speed is the bench's business.
  const specs = loadSpecs(paths, { parallel: false });
  return specs.diagnostics.map((d) => formatDiagnostic(d).split(`${base}/`).join(''));
}

const DNS = 'must be a DNS label: lowercase letters, digits and "-", 1 to 63 characters, not starting or ending with "-"';

describe('hostile spec files (test/fixtures/hostile-specs)', () => {
  it.each([
    {
      reason: 'a "billion laughs" alias bomb is refused at the alias that crosses the bound',
      file: 'alias-bomb.yaml',
      want: ['alias-bomb.yaml:12:12: error: alias *e expands the document past 100,000 values; aliases may share a block, not multiply one'],
    },
    {
      reason: 'an alias inside the collection it names would be a cycle',
      file: 'alias-cycle.yaml',
      want: ['alias-cycle.yaml:6:14: error: alias *spec is inside the collection it names'],
    },
    {
      reason: '10,000 nested flow sequences never reach the recursive composer',
      file: 'deep-flow.yaml',
      want: ['deep-flow.yaml:7:263: error: nested or indented too deeply to parse (beyond 256 levels); specs nest at most 64 levels'],
    },
    {
      reason: '10,000 nested flow maps likewise',
      file: 'deep-flow-maps.yaml',
      want: ['deep-flow-maps.yaml:7:1013: error: nested or indented too deeply to parse (beyond 256 levels); specs nest at most 64 levels'],
    },
    {
      reason: '80 nested block maps parse, and are refused at the 65th level',
      file: 'deep-block.yaml',
      want: ['deep-block.yaml:70:65: error: nested more than 64 levels deep; specs nest about 7'],
    },
    {
      reason: 'a duplicate key is pointed at on its own line',
      file: 'duplicate-key.yaml',
      want: ['duplicate-key.yaml:12:7: error: Map keys must be unique'],
    },
    {
      reason: '__proto__, constructor and prototype are unknown fields like any other',
      file: 'prototype-keys.yaml',
      want: [
        'prototype-keys.yaml:7:3: error: spec.__proto__: unknown field "__proto__"; valid fields: zone, protect, networks, publicIps, firewall, vpn, vms',
        'prototype-keys.yaml:11:7: error: spec.networks[0].constructor: unknown field "constructor"; valid fields: name, cidr, gateway, segment, sourceNat, colocation, protect, previously',
        'prototype-keys.yaml:12:7: error: spec.networks[0].prototype: unknown field "prototype"; valid fields: name, cidr, gateway, segment, sourceNat, colocation, protect, previously',
      ],
    },
    {
      reason: 'names with shell metacharacters, path separators or line breaks are no DNS labels',
      file: 'names.yaml',
      want: [
        `names.yaml:4:9: error: metadata.name: ${DNS}; got "a;rm -rf /"`,
        `names.yaml:6:9: error: spec.zone: ${DNS}; got "../x"`,
        `names.yaml:8:13: error: spec.networks[0].name: ${DNS}; got "$(reboot)"`,
        `names.yaml:10:13: error: spec.networks[1].name: ${DNS}; got "a/b"`,
        `names.yaml:12:13: error: spec.networks[2].name: ${DNS}; got "lan\\nfoo"`,
      ],
    },
    {
      reason: 'numbers out of range, negative or unbounded sizes and wrong types each say what is allowed',
      file: 'numbers.yaml',
      want: [
        'numbers.yaml:10:24: error: spec.networks[0].segment.vlan: must be at most 4094; got 99999',
        'numbers.yaml:14:34: error: spec.publicIps[0].portForwards[0].port: must be at most 65535; got 70000',
        'numbers.yaml:15:34: error: spec.publicIps[0].portForwards[1].port: must be at least 1; got -1',
        'numbers.yaml:19:12: error: spec.vms[0].cpu: must be 1-256; got Infinity',
        'numbers.yaml:20:15: error: spec.vms[0].memory: must be a size with a unit, such as 4GiB, 500GB or 20TiB; got "-4GiB"',
        'numbers.yaml:23:25: error: spec.vms[0].rootDisk.size: must be at most 1024PiB',
        'numbers.yaml:24:36: error: spec.vms[0].disks[0].size: must be a string; got 10',
        'numbers.yaml:27:12: error: spec.vms[1].cpu: must be 1-256; got "two"',
        'numbers.yaml:28:15: error: spec.vms[1].memory: must be a string; got a list',
        'numbers.yaml:29:16: error: spec.vms[1].protect: must be true | false; got "yes"',
        'numbers.yaml:31:13: error: spec.vms[1].nics: must be a list; got 7',
      ],
    },
  ])('$reason', ({ file, want }) => {
    expect(diagnose([join(FIXTURES, file)], FIXTURES)).toEqual(want);
  });

  it('covers every fixture', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual(
      ['alias-bomb', 'alias-cycle', 'deep-block', 'deep-flow-maps', 'deep-flow', 'duplicate-key', 'names', 'numbers', 'prototype-keys'].map((n) => `${n}.yaml`),
    );
  });

  it('never sets a prototype: __proto__ stays data and Object.prototype stays clean', () => {
    const text = 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: p, labels: { __proto__: x } }\nspec:\n  zone: z\n  __proto__: &p { polluted: true }\n  networks: [ { __proto__: *p, name: lan, cidr: 10.0.0.0/24 } ]\n';
    const result = loadFile(new SourceFile('p.yaml', text));
    expect(result.documents).toEqual([]);
    expect(result.diagnostics.map((d) => d.summary)).toEqual([
      expect.stringMatching(/^unknown field "__proto__"/),
      expect.stringMatching(/^unknown field "__proto__"/),
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('hostile texts', () => {
  const load = (text: string): string[] => loadFile(new SourceFile('t.yaml', text)).diagnostics.map((d) => formatDiagnostic({ ...d, file: 't.yaml' }));
  it.each([
    { reason: '70 nested flow lists pass the parse bound and stop at 64 levels', given: `a: ${'['.repeat(70)}${']'.repeat(70)}\n`, want: ['t.yaml:1:67: error: nested more than 64 levels deep; specs nest about 7'] },
    { reason: 'an alias adds its depth where it is used', given: `a: &a ${'['.repeat(40)}${']'.repeat(40)}\nb: ${'['.repeat(30)}*a${']'.repeat(30)}\n`, want: ['t.yaml:2:34: error: nested more than 64 levels deep; specs nest about 7'] },
    { reason: 'an alias with no anchor before it', given: 'a: *nowhere\n', want: ['t.yaml:1:4: error: alias *nowhere has no anchor &nowhere before it'] },
    { reason: 'a key that is a list', given: '? [a, b]\n: 1\n', want: ['t.yaml:1:3: error: a mapping key must be a plain name, not a list, a mapping or an alias'] },
    { reason: 'keys equal as JSON are duplicates', given: '1: a\n"1": b\n', want: ['t.yaml:2:1: error: Map keys must be unique'] },
    { reason: 'a compact block nest deeper than the parse bound', given: `${'- '.repeat(200)}x\n`, want: ['t.yaml:1:1: error: nested or indented too deeply to parse (beyond 256 levels); specs nest at most 64 levels'] },
    { reason: 'too many documents', given: '---\n'.repeat(10_001), want: ['t.yaml:1:1: error: more than 10,000 YAML documents in one file; split it'] },
    {
      reason: 'a thousand errors are cut at a hundred and counted',
      given: `apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: t }\nspec:\n  zone: z\n  networks:\n${'    - { name: N, cidr: x }\n'.repeat(500)}`,
      want: expect.arrayContaining(['t.yaml: error: 900 more problems in this file not shown']),
    },
  ])('$reason', ({ given, want }) => {
    expect(load(given)).toEqual(want);
  });

  it('cuts the diagnostics of one file at 101 lines', () => {
    const text = `apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: t }\nspec:\n  zone: z\n  networks:\n${'    - { name: N, cidr: x }\n'.repeat(500)}`;
    expect(load(text)).toHaveLength(101);
  });

  it('refuses a 4 MiB file of nested brackets without parsing it', () => {
    expect(load('['.repeat(MAX_SPEC_FILE_BYTES))).toEqual(['t.yaml:1:255: error: nested or indented too deeply to parse (beyond 256 levels); specs nest at most 64 levels']);
  });
});

describe('hostile files on disk', () => {
  let dir: string;
  let server: Server | undefined;
  const at = (name: string): string => join(dir, name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netfirst-hostile-'));
    writeFileSync(at('nul.yaml'), Buffer.from('apiVersion: netfirst/v1\nkind: Ten\0ant\n'));
    writeFileSync(at('latin1.yaml'), Buffer.concat([Buffer.from('apiVersion: netfirst/v1\nmetadata: { name: caf'), Buffer.from([0xe9]), Buffer.from(' }\n')]));
    writeFileSync(at('utf16.yaml'), Buffer.from('\ufeffapiVersion: netfirst/v1\n', 'utf16le'));
    writeFileSync(at('replacement.yaml'), Buffer.concat([Buffer.from('# \ufffd is fine\n'), Buffer.from([0xc3, 0x28])]));
    writeFileSync(at('random.yaml'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
    writeFileSync(at('big.yaml'), Buffer.alloc(Math.round(12.3 * 2 ** 20), 'a: b\n'));
    writeFileSync(at('limit.yaml'), Buffer.alloc(MAX_SPEC_FILE_BYTES + 1, '#'));
    execFileSync('mkfifo', [at('fifo.yaml')]);
    symlinkSync('loop.yaml', at('loop.yaml'));
    mkdirSync(at('tree'));
    symlinkSync('.', at('tree/self'));
    writeFileSync(at('tree/empty.yaml'), '');
    mkdirSync(at('locked'));
    writeFileSync(at('locked/t.yaml'), 'a: 1\n');
    chmodSync(at('locked'), 0o000);
    server = createServer();
    await new Promise<void>((done) => server!.listen(at('socket.yaml'), done));
  });
  afterAll(async () => {
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    chmodSync(at('locked'), 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    { reason: 'a NUL byte', file: 'nul.yaml', want: ['nul.yaml:2:10: error: not a UTF-8 text file (a NUL byte); spec files are YAML text in UTF-8'] },
    { reason: 'a Latin-1 byte', file: 'latin1.yaml', want: ['latin1.yaml:2:22: error: not a UTF-8 text file (invalid UTF-8 byte 0xe9); spec files are YAML text in UTF-8'] },
    { reason: 'UTF-16', file: 'utf16.yaml', want: ['utf16.yaml:1:1: error: not a UTF-8 text file (it starts with a UTF-16 byte-order mark); spec files are YAML text in UTF-8'] },
    { reason: 'a real U+FFFD before the bad byte is not the bad byte', file: 'replacement.yaml', want: ['replacement.yaml:2:1: error: not a UTF-8 text file (invalid UTF-8 byte 0xc3); spec files are YAML text in UTF-8'] },
    { reason: 'random bytes', file: 'random.yaml', want: [expect.stringMatching(/^random\.yaml:1:\d+: error: not a UTF-8 text file \(/)] },
    { reason: 'a file above the limit, unread', file: 'big.yaml', want: ['big.yaml: error: file is 12.3 MiB; spec files are limited to 4 MiB'] },
    { reason: 'one byte above the limit', file: 'limit.yaml', want: ['limit.yaml: error: file is 4.0 MiB; spec files are limited to 4 MiB'] },
    { reason: 'a FIFO is refused, not waited on', file: 'fifo.yaml', want: ['fifo.yaml: error: not a regular file (a FIFO); spec files are YAML text files'] },
    { reason: 'a socket', file: 'socket.yaml', want: ['socket.yaml: error: not a regular file (a socket); spec files are YAML text files'] },
    { reason: 'a character device', file: '/dev/zero', want: ['/dev/zero: error: not a regular file (a character device); spec files are YAML text files'] },
    { reason: 'a link to itself', file: 'loop.yaml', want: [expect.stringMatching(/^loop\.yaml: error: cannot read: ELOOP/)] },
    { reason: 'a missing file', file: 'missing.yaml', want: ['missing.yaml: error: no such file or directory'] },
    { reason: 'a directory linked into itself is walked once', file: 'tree', want: [] },
  ])('$reason', ({ file, want }) => {
    expect(diagnose([file.startsWith('/') ? file : at(file)], dir)).toEqual(want);
  });

  it('an unreadable directory', ({ skip }) => {
    let readable = false;
    try {
      readdirSync(at('locked'));
      readable = true;
    } catch {
      // as intended
    }
    if (readable) {
      console.log('skipped "an unreadable directory": chmod 000 does not stop this user (root) from reading it');
      skip();
    }
    expect(diagnose([at('locked')], dir)).toEqual([expect.stringMatching(/^locked: error: cannot read directory: EACCES/)]);
  });

  it('the whole directory at once: one diagnostic per bad file, the rest loaded', () => {
    const lines = diagnose([dir], dir).filter((line) => !line.startsWith('locked'));
    expect(lines.map((line) => line.split(':')[0])).toEqual([
      'big.yaml', 'fifo.yaml', 'latin1.yaml', 'limit.yaml', 'loop.yaml', 'nul.yaml', 'random.yaml', 'replacement.yaml', 'socket.yaml', 'utf16.yaml',
    ]);
  });
});
