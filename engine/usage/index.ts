/**
 * Usage metering for billing, pure from end to end: the event history (grouped by
 * resource) → usage lines per resource and meter → records per period with exact
 * quantities → CSV, JSON or XML text chunks. The faces (engine/cli/commands/usage.ts,
 * engine/serve/routes/usage.ts) hand `usageExport` the state's events and write the chunks.
 */
export { GRANULARITIES, type Granularity, formatInstant, HOUR_MS, type Period, periodsBetween } from './period.js';
export { parseInstant, parseRange, type RangeResult, type UsageRange } from './range.js';
export { formatQuantity, parseQuantity, QUANTITY_DECIMALS, type Quantity, type Rate } from './quantity.js';
export { USAGE_TYPES, USAGE_TYPE_NAMES, type UsageTypeName } from './usage-types.js';
export { type Meter, metersOf, vmSize } from './meters.js';
export { linesOf, resourceUsages, type ResourceUsage, type UsageLine } from './lines.js';
export { recordsOf, usageRecords, type UsageQuery } from './records.js';
export { RECORD_FIELDS, type UsageRecord } from './record.js';
export { partnerDirectory, type PartnerDirectory, type PartnerSources } from './partners.js';
export { encodeUsage, encoderFor, type ExportHeader, FORMATS, type UsageEncoder, type UsageFormat } from './encode.js';
export { XML_RECORD, XML_ROOT } from './format-xml.js';
export { partnersOfSpecs, selectedUsageRecords, usageExport, type UsageSelection } from './export.js';
