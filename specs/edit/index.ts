/**
 * Console edits of a Tenant spec: typed edits on the yaml Document of its file (comments
 * and layout kept), each giving the new text and the spec paths it wrote. Pure: no I/O.
 */
export { applyEdit, describeEdit, type SpecEdit, type SpecEditKind } from './spec-edit.js';
export { fieldFor, type EditMade, type EditOutcome, type EditProblem, type FieldProblem, type SpecPath } from './outcome.js';
export type { NewDisk, NewVm, Power } from './vm-edits.js';
export type { NewPortForward, NewVpnUser } from './access-edits.js';
export type { ObservedAttribute } from './adopt-observed.js';
export { MAX_FORM_TEXT } from './form-values.js';
export { MAX_FORWARDS_PER_EDIT } from './access-edits.js';
