/**
 * CSV, JSON and XML carry identical data: each export is parsed back with an ordinary
 * parser (csv-parse, JSON.parse, fast-xml-parser) and compared field by field; an
 * export with no records is still a valid file of its format.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodeUsage, encoderFor, FORMATS, RECORD_FIELDS, type UsageFormat, type UsageRecord, XML_RECORD, XML_ROOT,
} from '../../engine/usage/index.js';
import { exportTimeline, recordTimeline } from './timeline.js';

const state = recordTimeline();
afterAll(() => state.close());

const header = { from: '2025-03-10T00:00:00Z', to: '2025-03-12T00:00:00Z', granularity: 'hour' };
const encode = (records: readonly UsageRecord[], format: UsageFormat, batchSize?: number): string =>
  [...encodeUsage(records, encoderFor(format, header), batchSize)].join('');

/** Every format read back as records of strings (a null CloudStack type reads as ''). */
function parseBack(text: string, format: UsageFormat): Record<string, string>[] {
  switch (format) {
    case 'csv':
      return parseCsv(text, { columns: true }) as Record<string, string>[];
    case 'json':
      return (JSON.parse(text) as UsageRecord[]).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v)])));
    case 'xml': {
      expect(XMLValidator.validate(text)).toBe(true);
      const doc = new XMLParser({ parseTagValue: false, ignoreAttributes: false, isArray: (name) => name === XML_RECORD }).parse(text) as
        Record<string, Record<string, unknown>>;
      const root = doc[XML_ROOT]!;
      expect(root['@_from']).toBe(header.from);
      return (root[XML_RECORD] as Record<string, string>[] | undefined) ?? [];
    }
  }
}

const asStrings = (records: readonly UsageRecord[]): Record<string, string>[] =>
  records.map((r) => Object.fromEntries(RECORD_FIELDS.map((f) => [f, r[f] === null ? '' : String(r[f])])));

const timeline = exportTimeline(state, '2025-03-10T00:00:00Z', '2025-03-12T00:00:00Z', 'hour');
/** Text a format must quote or escape: commas, quotes, newlines, markup. */
const awkward: UsageRecord = {
  ...timeline[0]!, tenant: 'acme', partner: 'Smith, "Jones" & <Co>\nIT', address: "acme/public-ip/o'brien",
};

describe('the three formats', () => {
  it.each(FORMATS.map((format) => ({ format })))('$format carries every field of every record of the timeline', ({ format }) => {
    const records = [...timeline, awkward];
    expect(parseBack(encode(records, format), format)).toEqual(asStrings(records));
  });

  it.each(FORMATS.map((format) => ({ format })))('$format does not depend on how records were batched', ({ format }) => {
    expect(encode(timeline, format, 1)).toBe(encode(timeline, format));
  });

  it.each([
    { reason: 'CSV is its header row alone', format: 'csv' as const, want: `${RECORD_FIELDS.join(',')}\n` },
    { reason: 'JSON is an empty array', format: 'json' as const, want: '[]\n' },
    {
      reason: 'XML is the root element with no records',
      format: 'xml' as const,
      want: '<?xml version="1.0" encoding="UTF-8"?>\n<usage version="1" from="2025-03-10T00:00:00Z" to="2025-03-12T00:00:00Z" granularity="hour">\n</usage>\n',
    },
  ])('an empty period is a valid empty file: $reason', ({ format, want }) => {
    const empty = exportTimeline(state, '2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z', 'hour');
    expect(empty).toEqual([]);
    const text = encode(empty, format);
    expect(text).toBe(want);
    expect(parseBack(text, format)).toEqual([]);
  });

  it('the XML shape: one <record> per record, its fields as child elements in order', () => {
    const text = encode(timeline.slice(0, 1), 'xml');
    expect(text).toBe(`<?xml version="1.0" encoding="UTF-8"?>
<usage version="1" from="2025-03-10T00:00:00Z" to="2025-03-12T00:00:00Z" granularity="hour">
  <record>
    <tenant>acme</tenant>
    <partner>westside-it</partner>
    <zone>iswest-1</zone>
    <address>acme/public-ip/web</address>
    <resourceType>public-ip</resourceType>
    <usageType>public-ip-hours</usageType>
    <cloudstackUsageType>3</cloudstackUsageType>
    <hypervisor/>
    <size/>
    <tier/>
    <start>2025-03-10T22:00:00Z</start>
    <end>2025-03-10T23:00:00Z</end>
    <quantity>0.666666666667</quantity>
    <unit>hours</unit>
  </record>
</usage>
`);
  });
});
