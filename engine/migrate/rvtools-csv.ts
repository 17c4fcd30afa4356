/**
 * One RVTools CSV file as a table: the header row and the data rows, each with the
 * 1-based line it starts on, read with csv-parse. RVTools writes one CSV per tab (or
 * a person saves one sheet of the .xlsx as CSV), so the files come with a BOM or
 * without, CRLF or LF, quoted fields holding commas and line breaks, and Excel serial
 * numbers for dates; dates are never read here, so they need no care.
 */
import { parse } from 'csv-parse/sync';
import type { SourceLine, Unmapped } from './model.js';

export interface CsvRow {
  readonly source: SourceLine;
  readonly cells: readonly string[];
}

export interface CsvTable {
  readonly file: string;
  readonly header: CsvRow;
  readonly rows: readonly CsvRow[];
  /** Records csv-parse could not read (a broken quote): reported, never silently lost. */
  readonly problems: readonly Unmapped[];
}

/** Longest source text kept on a fact: vInfo rows run to 80 columns, reports need only the start. */
const MAX_TEXT = 160;

/** The table in `text`, or undefined when the file holds no record at all. */
export function readCsvTable(file: string, text: string): CsvTable | undefined {
  // csv-parse counts a CRLF inside a quoted field as two lines; with LF only, its line
  // count is exact, so the line a record starts on is its end line minus its breaks.
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const lines = normalized.split('\n');
  const endLines: number[] = [];
  const problems: Unmapped[] = [];
  /** The last line csv-parse has consumed: a broken record starts on the next line that is not blank. */
  let consumed = 0;
  const records = parse(normalized, {
    delimiter: guessDelimiter(lines.find((l) => l.trim() !== '') ?? ''),
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (record, context) => {
      endLines.push(context.lines);
      consumed = context.lines;
      return record;
    },
    on_skip: (error) => {
      const end = typeof error?.['lines'] === 'number' ? error['lines'] : lines.length;
      let start = consumed + 1;
      while (start < end && (lines[start - 1] ?? '').trim() === '') start++;
      consumed = end;
      problems.push({
        source: sourceLine(file, start, lines),
        construct: start === end ? `unreadable CSV record on line ${start}` : `unreadable CSV records on lines ${start}-${end}`,
        reason: `${error?.message ?? 'CSV syntax error'}: these rows are not imported; fix the quoting and import again`,
      });
    },
  });
  const rows = records.map((cells, i): CsvRow => {
    const breaks = cells.reduce((n, cell) => n + countBreaks(cell), 0);
    return { source: sourceLine(file, (endLines[i] ?? 1) - breaks, lines), cells: cells.map((c) => c.trim()) };
  });
  const [header, ...data] = rows;
  return header && { file, header, rows: data, problems };
}

/** RVTools writes commas; a CSV saved from a localised Excel may use semicolons or tabs. */
function guessDelimiter(headerLine: string): string {
  const counts = [',', ';', '\t'].map((d) => ({ d, n: headerLine.split(d).length }));
  return counts.reduce((best, c) => (c.n > best.n ? c : best)).d;
}

function countBreaks(cell: string): number {
  let n = 0;
  for (let i = cell.indexOf('\n'); i >= 0; i = cell.indexOf('\n', i + 1)) n++;
  return n;
}

export function sourceLine(file: string, line: number, lines: readonly string[]): SourceLine {
  const text = (lines[line - 1] ?? '').trim();
  return { file, line, text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text };
}
