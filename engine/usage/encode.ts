/**
 * Formats as encoders: text before the records, the text of each batch of records,
 * text after them. `encodeUsage` drives one over a record generator and yields text
 * chunks, a batch at a time, so an export of millions of records is written as it is
 * computed and never held whole; the CLI only writes the chunks out.
 */
import { csvEncoder } from './format-csv.js';
import { jsonEncoder } from './format-json.js';
import { xmlEncoder } from './format-xml.js';
import type { UsageRecord } from './record.js';

export const FORMATS = ['csv', 'json', 'xml'] as const;
export type UsageFormat = (typeof FORMATS)[number];

/** What the export covers; XML states it on its root element. */
export interface ExportHeader {
  /** ISO 8601 UTC. */
  readonly from: string;
  readonly to: string;
  readonly granularity: string;
}

export interface UsageEncoder {
  /** Text before the first record (the CSV header row, `[`, the XML prolog and root). */
  head(): string;
  /** The text of a batch of records; `first` when no record was written before it. */
  batch(records: readonly UsageRecord[], first: boolean): string;
  /** Text after the last record; `empty` when there was none. */
  tail(empty: boolean): string;
}

export function encoderFor(format: UsageFormat, header: ExportHeader): UsageEncoder {
  switch (format) {
    case 'csv':
      return csvEncoder();
    case 'json':
      return jsonEncoder();
    case 'xml':
      return xmlEncoder(header);
  }
}

/** The encoded text of `records`, in chunks of `batchSize` records. */
export function* encodeUsage(records: Iterable<UsageRecord>, encoder: UsageEncoder, batchSize = 512): Generator<string> {
  yield encoder.head();
  let batch: UsageRecord[] = [];
  let first = true;
  for (const record of records) {
    batch.push(record);
    if (batch.length >= batchSize) {
      yield encoder.batch(batch, first);
      first = false;
      batch = [];
    }
  }
  if (batch.length > 0) {
    yield encoder.batch(batch, first);
    first = false;
  }
  yield encoder.tail(first);
}
