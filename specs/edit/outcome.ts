/**
 * What an edit gives back: the file's new text and where in the Tenant's document it
 * wrote (so diagnostics of the new text land next to the form field that caused them),
 * or the problems that kept it from being made, each naming its form field. Exclusive
 * branches, as zod's results are.
 */

export type SpecPath = readonly (string | number)[];

/** One reason an edit was not made; `field` is the form field ('' for the form as a whole). */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export interface EditProblem {
  readonly problems: readonly FieldProblem[];
  readonly text?: never;
}

export interface EditMade {
  readonly text: string;
  /** Index of the Tenant's document in the file. */
  readonly doc: number;
  /** The path the edit wrote, inside that document (['spec', 'vms', 3] for a new VM). */
  readonly path: SpecPath;
  /** Each form field and the document path it wrote to. */
  readonly fields: Readonly<Record<string, SpecPath>>;
  readonly problems?: never;
}

export type EditOutcome = EditMade | EditProblem;

export const refuse = (field: string, message: string): EditProblem => ({ problems: [{ field, message }] });

/**
 * The form field a diagnostic at `path` belongs to: the field whose path is the longest
 * prefix of it, or '' (the form as a whole) when it is about the edited item itself or
 * about something else.
 */
export function fieldFor(made: Pick<EditMade, 'fields'>, path: SpecPath | undefined): string {
  if (path === undefined) return '';
  let best = '';
  let length = -1;
  for (const [field, at] of Object.entries(made.fields)) {
    if (at.length > length && at.length <= path.length && at.every((part, i) => String(part) === String(path[i]))) {
      best = field;
      length = at.length;
    }
  }
  return best;
}
