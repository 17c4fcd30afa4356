/**
 * Names for imported items: foreign names (`Vlan200`, `VM Network`, `bovmsp-04.customer.com`,
 * `WAN1_CMAP 10`) become DNS labels, unique within their list, and stay recognisable.
 */

const MAX_LABEL = 63;

/** A DNS label made from `text`, or undefined when nothing usable is left. */
export function toLabel(text: string): string | undefined {
  const label = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_LABEL)
    .replace(/-+$/, '');
  return label.length > 0 ? label : undefined;
}

/** Host names keep their first label (`web-1.customer.com` → `web-1`), other names are labelled whole. */
export function vmLabel(name: string): string | undefined {
  const host = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+){2,}$/.test(name) ? name.split('.')[0]! : name;
  return toLabel(host);
}

/** Hands out unique labels: the first usable hint, then `-2`, `-3`… on collision. */
export class NameBook {
  private readonly taken = new Set<string>();

  constructor(reserved: Iterable<string> = []) {
    for (const name of reserved) this.taken.add(name);
  }

  /** The label for the first usable hint (or `fallback`), made unique. */
  claim(hints: readonly (string | undefined)[], fallback: string, label: (t: string) => string | undefined = toLabel): string {
    let base = fallback;
    for (const hint of hints) {
      const l = hint === undefined ? undefined : label(hint);
      if (l !== undefined) {
        base = l;
        break;
      }
    }
    let name = base;
    for (let n = 2; this.taken.has(name); n++) {
      const suffix = `-${n}`;
      name = base.slice(0, MAX_LABEL - suffix.length).replace(/-+$/, '') + suffix;
    }
    this.taken.add(name);
    return name;
  }
}

/** `acme-dental` + `hq` + `PSK` → `ACME_DENTAL_HQ_PSK`: an environment variable name. */
export function envName(...parts: readonly string[]): string {
  const name = parts.join('_').toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Z_]/.test(name) ? name : `_${name}`;
}
