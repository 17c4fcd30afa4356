/**
 * CSV (RFC 4180, through csv-stringify): a header row naming the record fields, then
 * one row per record; a null CloudStack usage type is an empty cell. An export with no
 * records is the header row alone.
 */
import { stringify } from 'csv-stringify/sync';
import type { UsageEncoder } from './encode.js';
import { RECORD_FIELDS, type UsageRecord } from './record.js';

const columns = [...RECORD_FIELDS];

export function csvEncoder(): UsageEncoder {
  return {
    head: () => stringify([], { header: true, columns }),
    batch: (records: readonly UsageRecord[]) => stringify(records as UsageRecord[], { header: false, columns }),
    tail: () => '',
  };
}
