/**
 * Bounds on what a form may put into a spec, checked before the document is touched:
 * text of a sane length without control characters, whole numbers that are numbers.
 * Everything else about a value (a DNS label, a size with a unit, a port range) is the
 * spec language's to judge, with the same diagnostics the CLI prints.
 */
import type { FieldProblem } from './outcome.js';

/** Longer than any name, size, address or path a spec holds (a DNS label is 63). */
export const MAX_FORM_TEXT = 253;

/** Problems of the text fields given (absent ones are not checked: optional fields). */
export function textProblems(fields: Readonly<Record<string, string | undefined>>): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value !== 'string') out.push({ field, message: 'must be text' });
    else if (value.length > MAX_FORM_TEXT) out.push({ field, message: `is ${value.length.toLocaleString('en-US')} characters long: at most ${MAX_FORM_TEXT}` });
    else if (/[\u0000-\u001f\u007f]/.test(value)) out.push({ field, message: 'must not hold line breaks or other control characters' });
  }
  return out;
}

/** Problems of whole-number fields (absent ones are not checked). */
export function wholeNumberProblems(fields: Readonly<Record<string, number | undefined>>): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) out.push({ field, message: 'must be a whole number' });
  }
  return out;
}
