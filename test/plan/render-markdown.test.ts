/**
 * The plan as a pull-request comment: what reviewers rely on — counts in the heading,
 * destructive changes first, one table row per tenant, the text plan per tenant in a
 * collapsed section, diagnostics listed, spec text never interpreted as markdown.
 */
import { describe, expect, it } from 'vitest';
import type { Change } from '../../engine/plan/change.js';
import type { Plan } from '../../engine/plan/plan.js';
import { escapeText, renderPlanMarkdown } from '../../engine/plan/render-markdown.js';
import { desired, recorded } from '../engine/resources.js';

const ip = (address: string, value: string) => desired(address, 'public-ip', { name: address.split('/').pop()!, address: value, pool: 'pool-a' });
const netRes = (address: string, cidr: string) => desired(address, 'network', { name: address.split('/').pop()!, cidr, segment: { type: 'vlan', id: 101 } });

function planOf(changes: Change[], more: Partial<Plan> = {}): Plan {
  return { lineage: 'l', serial: 3, specHash: 'sha256:x', specFiles: [], changes, orphanedTenants: [], diagnostics: [], zones: {}, ...more };
}

const create: Change = { action: 'create', address: 'acme/public-ip/web', type: 'public-ip', tenant: 'acme', after: ip('acme/public-ip/web', '203.0.113.10') };
const update: Change = (() => {
  const before = recorded(netRes('acme/network/office', '10.0.0.0/24'));
  const after = { ...netRes('acme/network/office', '10.0.0.0/24'), attributes: { ...before.attributes, segment: { type: 'vlan', id: 102 } } };
  return { action: 'update', address: after.address, type: 'network', tenant: 'acme', before, after, changed: ['segment'] };
})();
const destroy: Change = { action: 'delete', address: 'baker/public-ip/mail', type: 'public-ip', tenant: 'baker', before: recorded(ip('baker/public-ip/mail', '203.0.113.11')), reason: 'not in spec' };
const replace: Change = (() => {
  const before = recorded(netRes('baker/network/dmz', '10.1.0.0/24'));
  const after = netRes('baker/network/dmz', '10.1.1.0/24');
  return { action: 'replace', address: after.address, type: 'network', tenant: 'baker', before, after, requiresReplace: ['cidr'], replacedWith: [], changed: ['cidr'] };
})();
const noop: Change = { action: 'noop', address: 'cole/public-ip/nat', type: 'public-ip', tenant: 'cole', before: recorded(ip('cole/public-ip/nat', '203.0.113.12')), after: ip('cole/public-ip/nat', '203.0.113.12') };

describe('renderPlanMarkdown', () => {
  it('puts destructive changes first, then the table, then each tenant collapsed with its text plan', () => {
    expect(renderPlanMarkdown(planOf([create, update, destroy, replace, noop]))).toMatchInlineSnapshot(`
      "### netfirst plan: 1 to add, 1 to change, 1 to replace, 1 to destroy

      > [!WARNING]
      > **Destructive changes: 1 to destroy, 1 to replace.**
      >
      > - \`baker/public-ip/mail\` will be **destroyed** (not in spec)
      > - \`baker/network/dmz\` must be **replaced** (cidr cannot change in place)

      | Tenant | Create | Update | Replace | Delete |
      |:--|--:|--:|--:|--:|
      | acme | 1 | 1 | 0 | 0 |
      | ⚠️ baker | 0 | 0 | 1 | 1 |
      | **Total** | **1** | **1** | **1** | **1** |

      <details><summary><strong>acme</strong>: 1 to add, 1 to change, 0 to replace, 0 to destroy</summary>

      \`\`\`text
      netfirst will perform the following actions:

        # acme/network/office will be updated in place
        ~ resource "network" "acme/network/office" {
            ~ segment = { id = 101, type = "vlan" } -> { id = 102, type = "vlan" }
              (2 unchanged attributes hidden)
          }

        # acme/public-ip/web will be created
        + resource "public-ip" "acme/public-ip/web" {
            + address = "203.0.113.10"
            + name    = "web"
            + pool    = "pool-a"
          }

      Plan: 1 to add, 1 to change, 0 to replace, 0 to destroy.
      \`\`\`

      </details>

      <details><summary><strong>baker</strong>: 0 to add, 0 to change, 1 to replace, 1 to destroy</summary>

      \`\`\`text
      netfirst will perform the following actions:

        # baker/public-ip/mail will be destroyed (not in spec)
        - resource "public-ip" "baker/public-ip/mail" {
            - address = "203.0.113.11"
            - name    = "mail"
            - pool    = "pool-a"
          }

        # baker/network/dmz must be replaced
      -/+ resource "network" "baker/network/dmz" {
            ~ cidr = "10.1.0.0/24" -> "10.1.1.0/24" # forces replacement
              (2 unchanged attributes hidden)
          }

      Plan: 0 to add, 0 to change, 1 to replace, 1 to destroy.
      \`\`\`

      </details>
      "
    `);
  });

  it('says "No changes." for an empty plan, with no table and no sections', () => {
    expect(renderPlanMarkdown(planOf([noop]))).toMatchInlineSnapshot(`
      "### netfirst plan: No changes.

      Your infrastructure matches the configuration.
      "
    `);
  });

  it('lists errors first and warnings after the table, fenced as written', () => {
    const plan = planOf([], {
      diagnostics: [
        { severity: 'error', summary: 'VLAN 310 is used twice in zone iswest-1', file: 'specs/baker.yaml', line: 22, column: 9 },
        { severity: 'warning', summary: 'tenant old is orphaned: it is in state but no spec describes it' },
      ],
    });
    expect(renderPlanMarkdown(plan)).toMatchInlineSnapshot(`
      "### netfirst plan: 1 error

      > [!CAUTION]
      > **1 error: nothing can be applied until it is fixed.**
      >
      > \`\`\`text
      > specs/baker.yaml:22:9: error: VLAN 310 is used twice in zone iswest-1
      > \`\`\`

      **Warnings (1):**

      \`\`\`text
      warning: tenant old is orphaned: it is in state but no spec describes it
      \`\`\`
      "
    `);
  });

  it('says which tenants --changed-since selected and why, in a collapsed list', () => {
    const plan = planOf([create], {
      changedSince: {
        rev: 'origin/main',
        base: '0123456789abcdef0123456789abcdef01234567',
        files: [{ path: 'specs/acme.yaml', status: 'modified' }],
        tenants: [{ tenant: 'acme', reasons: ['tenant file specs/acme.yaml changed'] }, { tenant: 'cole', reasons: ["shares zone z1's pools with changed tenant acme and has values not allocated yet"] }],
      },
    });
    const md = renderPlanMarkdown(plan);
    expect(md).toContain('Planned 2 tenants changed since `origin/main` (merge base `0123456789ab`).');
    expect(md).toContain("- **acme**: tenant file specs/acme.yaml changed\n- **cole**: shares zone z1's pools with changed tenant acme and has values not allocated yet");
  });

  it('leaves out the per-tenant details when the comment would be too long, keeping the summary', () => {
    const md = renderPlanMarkdown(planOf([create, destroy]), { maxLength: 500 });
    expect(md).not.toContain('<details>');
    expect(md).toContain('will be **destroyed**');
    expect(md).toContain('| ⚠️ baker | 0 | 0 | 0 | 1 |');
    expect(md).toContain('The per-tenant details are left out');
  });

  it('fences a text plan holding backticks with a longer fence', () => {
    const odd = { ...create, after: desired('acme/public-ip/web', 'public-ip', { name: 'web', note: 'a ``` b' }) } as Change;
    const md = renderPlanMarkdown(planOf([odd]));
    expect(md).toContain('````text\n');
    expect(md).toContain('note = "a ``` b"');
  });
});

describe('escapeText', () => {
  it.each([
    { reason: 'HTML is shown, not rendered', given: '<img src=x onerror=alert(1)>', want: '&lt;img src=x onerror=alert(1)&gt;' },
    { reason: 'table cells cannot be split', given: 'a | b', want: 'a \\| b' },
    { reason: 'emphasis and links stay literal', given: '*x* [y](z)', want: '\\*x\\* \\[y\\](z)' },
    { reason: 'mentions do not ping anyone', given: '@ops-team', want: '&#64;ops-team' },
    { reason: 'one line, whatever the input', given: 'a\nb', want: 'a b' },
  ])('$reason', ({ given, want }) => {
    expect(escapeText(given)).toBe(want);
  });
});
