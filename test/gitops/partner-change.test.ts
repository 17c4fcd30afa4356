/**
 * judgePartnerChange as a table: which changed files a partner may write, and what it
 * is told about the others — the file and the rule, never another partner's names.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../specs/diagnostic.js';
import { documentHeads, judgePartnerChange, type PartnerChangedFile } from '../../engine/gitops/partner-change.js';

const owns = (t: string): boolean => t.startsWith('acme-');
const tenant = (name: string, line = 2) => ({ kind: 'Tenant', name, line });
const file = (f: Partial<PartnerChangedFile> & Pick<PartnerChangedFile, 'file'>): PartnerChangedFile => ({
  repoPath: f.file, status: 'modified', symlink: false, spec: true, before: [], after: [], ...f,
});
const judge = (f: PartnerChangedFile): string[] =>
  judgePartnerChange({ partner: 'westside-it', owns, secretDirs: ['specs/secrets/westside-it'], files: [f] }).map(formatDiagnostic);

describe('judgePartnerChange', () => {
  it.each([
    { reason: 'its own tenant file, changed', given: file({ file: 'specs/acme.yaml', before: [tenant('acme-dental')], after: [tenant('acme-dental')] }), want: [] },
    { reason: 'its own tenant file, deleted', given: file({ file: 'specs/acme.yaml', status: 'deleted', before: [tenant('acme-dental')] }), want: [] },
    { reason: 'a new file of its own tenant', given: file({ file: 'specs/acme-2.yaml', status: 'added', after: [tenant('acme-new')] }), want: [] },
    { reason: 'a file in its own secret directory', given: file({ file: 'specs/secrets/westside-it/psk', spec: false }), want: [] },
    { reason: 'a new YAML file that does not parse: its own (the loader reports it)', given: file({ file: 'specs/x.yaml', status: 'added' }), want: [] },
    {
      reason: 'another partner\'s file, changed',
      given: file({ file: 'specs/baker.yaml', before: [tenant('baker-law')], after: [tenant('baker-law', 7)] }),
      want: ['specs/baker.yaml:7:1: error: partner westside-it may change only the files of tenants it manages: this file holds a tenant it does not manage'],
    },
    {
      reason: 'another partner\'s file, deleted: at line 1 (the file is gone)',
      given: file({ file: 'specs/cole.yaml', status: 'deleted', before: [tenant('cole-accounting')] }),
      want: ['specs/cole.yaml:1:1: error: partner westside-it may change only the files of tenants it manages: this file holds a tenant it does not manage'],
    },
    {
      reason: 'its own file, with another tenant appended: named, since the partner wrote the name',
      given: file({ file: 'specs/acme.yaml', before: [tenant('acme-dental')], after: [tenant('acme-dental'), tenant('zz-freeride', 40)] }),
      want: ['specs/acme.yaml:40:1: error: partner westside-it may write only tenants it manages: tenant zz-freeride is not one of them'],
    },
    {
      reason: 'a Zone document anywhere',
      given: file({ file: 'specs/zone-evil.yaml', status: 'added', after: [{ kind: 'Zone', name: 'evil', line: 2 }] }),
      want: ["specs/zone-evil.yaml:2:1: error: a partner's change may not add, change or delete Zone documents: they are the operator's (partner westside-it adds a file that holds one)"],
    },
    {
      reason: 'the Partners file, changed',
      given: file({ file: 'specs/partners.yaml', before: [{ kind: 'Partners', name: 'partners', line: 3 }], after: [{ kind: 'Partners', name: 'partners', line: 3 }] }),
      want: ["specs/partners.yaml:3:1: error: a partner's change may not add, change or delete Partners documents: they are the operator's (partner westside-it changes a file that holds one)"],
    },
    {
      reason: 'a symbolic link, whatever it points at',
      given: file({ file: 'specs/acme-link.yaml', status: 'added', symlink: true }),
      want: ["specs/acme-link.yaml:1:1: error: a partner's change may not add or change symbolic links (partner westside-it adds this one)"],
    },
    {
      reason: 'another partner\'s secret file',
      given: file({ file: 'specs/secrets/ledgerline/pw', spec: false }),
      want: ["specs/secrets/ledgerline/pw:1:1: error: partner westside-it may write only its tenants' spec files and files in its secret directories (specs/secrets/westside-it): this change changes another file"],
    },
    {
      reason: 'a directory whose name merely starts like its secret directory',
      given: file({ file: 'specs/secrets/westside-it-evil/x', spec: false }),
      want: ["specs/secrets/westside-it-evil/x:1:1: error: partner westside-it may write only its tenants' spec files and files in its secret directories (specs/secrets/westside-it): this change changes another file"],
    },
  ])('$reason', ({ given, want }) => {
    expect(judge(given)).toEqual(want);
  });
});

describe('documentHeads', () => {
  it.each([
    { reason: 'kind, name and the line of kind, per document', given: 'apiVersion: netfirst/v1\nkind: Tenant\nmetadata: { name: a }\n---\n# c\nkind: Zone\nmetadata:\n  name: z\n', want: [{ kind: 'Tenant', name: 'a', line: 2 }, { kind: 'Zone', name: 'z', line: 6 }] },
    { reason: 'a document without kind or name is skipped', given: 'foo: 1\n---\nkind: Partners\n', want: [{ kind: 'Partners', line: 3 }] },
    { reason: 'text that is not YAML gives nothing', given: '{ [ :', want: [] },
    { reason: 'nesting past the loader\'s bound gives nothing (the loader refuses it)', given: `${'['.repeat(5000)}${']'.repeat(5000)}`, want: [] },
  ])('$reason', ({ given, want }) => {
    expect(documentHeads(given)).toEqual(want);
  });
});
