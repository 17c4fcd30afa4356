/**
 * One usage export, as `netfirst usage export` writes it and GET /api/v1/usage streams
 * it: the state's events up to the end of the range, folded into records of the
 * tenants selected, encoded as text chunks. Both faces call this, so the bytes are the
 * same; each only says where the events come from and where the chunks go.
 */
import type { SpecSet } from '../../specs/model.js';
import type { EventFilter, StateEvent } from '../../state/events.js';
import { encodeUsage, encoderFor, type UsageFormat } from './encode.js';
import { partnerDirectory, type PartnerDirectory } from './partners.js';
import { formatInstant } from './period.js';
import type { UsageRange } from './range.js';
import type { UsageRecord } from './record.js';
import { usageRecords } from './records.js';

/** The partner of every tenant the specs know of, from tenant metadata and Partners documents. */
export function partnersOfSpecs(specs: Pick<SpecSet, 'tenants' | 'partners'>): PartnerDirectory {
  return partnerDirectory({
    tenantPartners: new Map([...specs.tenants].map(([name, t]) => [name, t.value.metadata.partner])),
    partners: specs.partners.flatMap((doc) => doc.value.spec.partners.map((p) => ({ name: p.name, tenants: p.tenants }))),
  });
}

export interface UsageSelection {
  readonly range: UsageRange;
  readonly format: UsageFormat;
  readonly directory: PartnerDirectory;
  /** Only these tenants (`--tenant`, repeatable); empty: every tenant. */
  readonly tenants: readonly string[];
  /** Only this partner's tenants (`--partner`); not with `tenants`. */
  readonly partner?: string | undefined;
  /** Only tenants this also admits (the server's caller scope); absent: no further narrowing. */
  readonly visible?: ((tenant: string) => boolean) | undefined;
  /** ms since the epoch: usage is known up to now, so lines still open end here. */
  readonly now: number;
}

/**
 * The export's text, a chunk at a time. Lazy: the events are read when the first chunk
 * is asked for, and `events` must stay readable until the last one is.
 */
export function* usageExport(events: (filter: EventFilter) => Iterable<StateEvent>, selection: UsageSelection): Generator<string> {
  const { range } = selection;
  const header = { from: formatInstant(range.from), to: formatInstant(range.to), granularity: range.granularity };
  yield* encodeUsage(selectedUsageRecords(events, selection), encoderFor(selection.format, header));
}

/**
 * The records an export of `selection` holds, before encoding (the console charts them);
 * `selection.format` is not read. Lazy like `usageExport`.
 */
export function* selectedUsageRecords(events: (filter: EventFilter) => Iterable<StateEvent>, selection: Omit<UsageSelection, 'format'>): Generator<UsageRecord> {
  const { range, tenants, partner, directory, visible } = selection;
  const chosen = partner !== undefined
    ? (t: string) => directory.partnerOf(t) === partner
    : tenants.length > 1 ? (t: string) => tenants.includes(t) : undefined;
  const includeTenant = chosen && visible ? (t: string) => chosen(t) && visible(t) : chosen ?? visible;
  // Lines open before the range count from its start: read from the beginning of history.
  const history = events({ to: new Date(range.to), order: 'resource', ...(tenants.length === 1 ? { tenant: tenants[0] } : {}) });
  yield* usageRecords(history, { ...range, now: selection.now, partnerOf: directory.partnerOf, ...(includeTenant ? { includeTenant } : {}) });
}
