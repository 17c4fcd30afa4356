/**
 * XML: a `<usage>` root saying what the export covers, holding one `<record>` element
 * per record whose children are the record fields in order, each with its value as
 * text; an empty field is an empty element.
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <usage version="1" from="2025-03-01T00:00:00Z" to="2025-03-02T00:00:00Z" granularity="hour">
 *     <record>
 *       <tenant>acme-dental</tenant>
 *       …
 *       <quantity>0.75</quantity>
 *       <unit>hours</unit>
 *     </record>
 *   </usage>
 *
 * Written here rather than by fast-xml-parser's XMLBuilder: the shape is fixed (flat
 * text elements, no attributes), so the only thing to get right is escaping, and the
 * builder costs 30–50 µs a record — minutes for a month of 1,000 tenants hour by hour —
 * against about 1 µs. The tests read every export back with fast-xml-parser's validator
 * and parser.
 */
import type { ExportHeader, UsageEncoder } from './encode.js';
import { RECORD_FIELDS, type UsageRecord } from './record.js';

export const XML_ROOT = 'usage';
export const XML_RECORD = 'record';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** Escapes text for element content and double-quoted attributes alike. */
export const escapeXml = (s: string): string => (/[&<>"']/.test(s) ? s.replace(/[&<>"']/g, (c) => ENTITIES[c]!) : s);

// Per field: the open and close tags, or the empty element.
const TAGS = RECORD_FIELDS.map((f) => ({ field: f, open: `    <${f}>`, close: `</${f}>\n`, empty: `    <${f}/>\n` }));

function element(r: UsageRecord): string {
  let out = `  <${XML_RECORD}>\n`;
  for (const t of TAGS) {
    const v = r[t.field];
    const text = v === null ? '' : typeof v === 'number' ? String(v) : escapeXml(v);
    out += text === '' ? t.empty : t.open + text + t.close;
  }
  return `${out}  </${XML_RECORD}>\n`;
}

export function xmlEncoder(header: ExportHeader): UsageEncoder {
  const attributes = `version="1" from="${escapeXml(header.from)}" to="${escapeXml(header.to)}" granularity="${escapeXml(header.granularity)}"`;
  return {
    head: () => `<?xml version="1.0" encoding="UTF-8"?>\n<${XML_ROOT} ${attributes}>\n`,
    batch: (records: readonly UsageRecord[]) => records.map(element).join(''),
    tail: () => `</${XML_ROOT}>\n`,
  };
}
