/**
 * Whether a top-level .gitignore already keeps a file out of git (engine/cli/git-ignore.ts):
 * `import` adds `*.secrets.env` only when no line covers the secrets file already.
 */
import { describe, expect, it } from 'vitest';
import { ignoredBy } from '../../engine/cli/git-ignore.js';

describe('ignoredBy', () => {
  it.each([
    { reason: 'the pattern import adds', gitignore: '*.secrets.env\n', path: 'tenants/acme.secrets.env', want: true },
    { reason: 'a wider pattern covers it too', gitignore: '*.env\n', path: 'acme.secrets.env', want: true },
    { reason: 'any depth for a pattern without a slash', gitignore: 'node_modules/\n*.secrets.env', path: 'a/b/c/acme.secrets.env', want: true },
    { reason: 'the directory it lies in is ignored', gitignore: 'tenants/\n', path: 'tenants/acme.secrets.env', want: true },
    { reason: 'anchored: only at the top', gitignore: '/acme.secrets.env\n', path: 'tenants/acme.secrets.env', want: false },
    { reason: 'anchored path matches exactly', gitignore: 'tenants/acme.secrets.env\n', path: 'tenants/acme.secrets.env', want: true },
    { reason: '**/ matches any directories', gitignore: '**/secrets/*.env\n', path: 'x/y/secrets/a.secrets.env', want: true },
    { reason: 'a later negation un-ignores', gitignore: '*.secrets.env\n!acme.secrets.env\n', path: 'acme.secrets.env', want: false },
    { reason: 'a comment is not a pattern', gitignore: '# *.secrets.env\n', path: 'acme.secrets.env', want: false },
    { reason: 'a directory-only pattern does not match the file itself', gitignore: 'acme.secrets.env/\n', path: 'acme.secrets.env', want: false },
    { reason: 'other patterns leave it', gitignore: '.netfirst/\n*.db\n', path: 'acme.secrets.env', want: false },
    { reason: 'CRLF line ends and trailing blanks', gitignore: '*.secrets.env  \r\n', path: 'acme.secrets.env', want: true },
    { reason: '? and [] classes', gitignore: 'acm?.secrets.[e]nv\n', path: 'acme.secrets.env', want: true },
  ])('$reason', ({ gitignore, path, want }) => {
    expect(ignoredBy(gitignore, path)).toBe(want);
  });
});
