/**
 * JSON: one array of record objects, one record per line so the file can be read a
 * line at a time as well as parsed whole. `quantity` is a string (an exact decimal no
 * parser rounds); `cloudstackUsageType` is a number or null. No records: `[]`.
 */
import type { UsageEncoder } from './encode.js';
import type { UsageRecord } from './record.js';

export function jsonEncoder(): UsageEncoder {
  return {
    head: () => '[',
    batch: (records: readonly UsageRecord[], first: boolean) => (first ? '\n' : ',\n') + records.map((r) => JSON.stringify(r)).join(',\n'),
    tail: (empty: boolean) => (empty ? ']\n' : '\n]\n'),
  };
}
