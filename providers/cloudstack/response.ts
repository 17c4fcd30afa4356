/**
 * CloudStack's JSON answers, read. Pure: a parsed body in, a value or a thrown
 * CloudStackError out. Every answer sits under `<command lower-case>response`:
 * - a sync command's object under its objectKey (or `{ success: true }`);
 * - an async command's start, `{ jobid, id? }`;
 * - a list page, `{ count, <objectKey>: [ … ] }`, or `{}` for none;
 * - a job's state from queryAsyncJobResult, `{ jobstatus, jobresult }`;
 * - an error, `{ errorcode, cserrorcode, errortext }` — with the matching HTTP status,
 *   or inside a 200 (registerSSHKeyPair does that).
 * Recorded answers differ in ways every reader here tolerates: ids are numbers or
 * strings (they are always strings once read), `count` may be missing.
 */
import { ProviderError } from '../contract.js';
import { COMMANDS, JOB_STATUS, type CommandSpec } from './api.js';
import { CloudStackError } from './errors.js';

/** An object as CloudStack describes it; its `id`, when it has one, is a string. */
export type CloudStackObject = { readonly id?: string } & { readonly [key: string]: unknown };

/** What a finished job returned: its object under the command's objectKey, or `{ success: true }`. */
export type JobResult = { readonly [key: string]: unknown };

/** The first answer to an async command: the job to poll and, for creations, the new object's id. */
export interface AsyncStart {
  readonly jobId: string;
  readonly id?: string;
}

/** One page of a list; `count` is CloudStack's total over all pages, when it says. */
export interface ListPage {
  readonly items: readonly CloudStackObject[];
  readonly count?: number;
}

/** A job's state from queryAsyncJobResult. */
export type JobState =
  | { readonly status: 'pending' }
  | { readonly status: 'succeeded'; readonly result: JobResult }
  | { readonly status: 'failed'; readonly error: CloudStackError }
  | { readonly status: 'cancelled' };

type JsonObject = { readonly [key: string]: unknown };

/** The key a command's answer sits under. */
export function responseKey(command: string): string {
  return `${command.toLowerCase()}response`;
}

/** The key of the command's object (or of its list's array), from the API table. */
export function objectKeyOf(command: string): string | undefined {
  const table: Readonly<Record<string, CommandSpec>> = COMMANDS;
  return Object.hasOwn(table, command) ? table[command]?.objectKey : undefined;
}

/**
 * The object inside `{ "<command>response": … }`. CloudStack names an error's answer
 * `errorresponse` when it cannot tie it to a command (an unknown command, error 432),
 * and recorded answers from test servers use other names; a body with one key is read
 * whatever that key is.
 */
export function responseBody(command: string, body: unknown): JsonObject {
  if (!isJsonObject(body)) throw malformed(command, 'the answer is not a JSON object');
  const keys = Object.keys(body);
  const inner = body[responseKey(command)] ?? body.errorresponse ?? (keys.length === 1 ? body[keys[0] ?? ''] : undefined);
  if (!isJsonObject(inner)) throw malformed(command, `no "${responseKey(command)}" object in the answer (keys: ${keys.join(', ') || 'none'})`);
  return inner;
}

/**
 * The error of an answer with a non-2xx HTTP status. CloudStack sets the status to the
 * errorcode; a body that is not CloudStack's (a proxy's error page) still yields an
 * error, with the status as its errorcode.
 */
export function errorFromHttp(command: string, status: number, body: unknown): CloudStackError {
  const inner = tryResponseBody(command, body);
  if (inner !== undefined && inner.errorcode !== undefined) return errorFrom(command, inner, status);
  return new CloudStackError({ command, errorcode: status, errortext: `the CloudStack API answered HTTP ${status} without an error text` });
}

/** A sync command's answer: the object under its objectKey, or the whole answer (`{ success: true }`) for commands without one. */
export function parseSyncResponse(command: string, body: unknown, objectKey = objectKeyOf(command)): CloudStackObject {
  const inner = checkedBody(command, body);
  if (objectKey === undefined) return checkSuccess(command, inner);
  const object = inner[objectKey];
  if (!isJsonObject(object)) throw malformed(command, `no "${objectKey}" object in the answer`);
  return normalizeObject(object);
}

/** An async command's first answer. Ids recorded as numbers (CloudStack 2.x, hand-edited fixtures) come back as strings. */
export function parseAsyncStart(command: string, body: unknown): AsyncStart {
  const inner = checkedBody(command, body);
  const jobId = idString(inner.jobid);
  if (jobId === undefined) throw malformed(command, 'no jobid in the answer to an async command');
  const id = idString(inner.id);
  return id === undefined ? { jobId } : { jobId, id };
}

/**
 * One page of a list command's answer. `{}` is an empty list, not an error; a missing
 * count is tolerated (old CloudStack versions omit it).
 */
export function parseListPage(command: string, body: unknown, objectKey = objectKeyOf(command)): ListPage {
  if (objectKey === undefined) throw new Error(`the API table gives no objectKey for the list command ${command}`);
  const inner = checkedBody(command, body);
  const count = toInteger(inner.count);
  const array = inner[objectKey];
  if (array === undefined) {
    if (count !== undefined && count > 0) throw malformed(command, `count is ${count} but there is no "${objectKey}" array`);
    return { items: [], count };
  }
  if (!Array.isArray(array)) throw malformed(command, `"${objectKey}" is not an array`);
  return { items: array.map((item: unknown) => listItem(command, objectKey, item)), count };
}

/**
 * A job's state. `answeredBy` is the command whose response key holds it —
 * queryAsyncJobResult against a real server; test servers that skip polling put the
 * finished job under the async command's own key. `command` names the job's command
 * in errors.
 */
export function parseJobStatus(command: string, body: unknown, answeredBy = 'queryAsyncJobResult'): JobState {
  const inner = checkedBody(answeredBy, body);
  const jobId = idString(inner.jobid);
  const status = toInteger(inner.jobstatus);
  switch (status) {
    case JOB_STATUS.pending:
      return { status: 'pending' };
    case JOB_STATUS.succeeded:
      return { status: 'succeeded', result: succeededResult(command, inner) };
    case JOB_STATUS.failed:
      return { status: 'failed', error: jobFailure(command, inner, jobId) };
    case JOB_STATUS.cancelled:
      return { status: 'cancelled' };
    default:
      throw malformed(answeredBy, `unknown jobstatus ${JSON.stringify(inner.jobstatus)}`);
  }
}

/** The object a finished job made or changed (under the command's objectKey), or the whole result (`{ success: true }`) for commands without one. */
export function jobObject(command: string, result: JobResult, objectKey = objectKeyOf(command)): CloudStackObject {
  if (objectKey === undefined) return normalizeObject(result);
  const object = result[objectKey];
  if (!isJsonObject(object)) throw malformed(command, `the finished job holds no "${objectKey}" object`);
  return normalizeObject(object);
}

/** The answer's object, or its error thrown — whatever the HTTP status said. */
function checkedBody(command: string, body: unknown): JsonObject {
  const inner = responseBody(command, body);
  if (inner.errorcode !== undefined) throw errorFrom(command, inner, 530);
  return inner;
}

function tryResponseBody(command: string, body: unknown): JsonObject | undefined {
  try {
    return responseBody(command, body);
  } catch {
    return undefined;
  }
}

function errorFrom(command: string, record: JsonObject, fallbackCode: number, jobId?: string): CloudStackError {
  const errorcode = toInteger(record.errorcode) ?? fallbackCode;
  const errortext = nonEmptyString(record.errortext) ?? `CloudStack reported error ${errorcode} without an error text`;
  return new CloudStackError({ command, errorcode, cserrorcode: toInteger(record.cserrorcode), errortext, jobId });
}

/**
 * CloudStack reports a failed job as jobstatus 2 with `jobresult: { errorcode, errortext }`
 * and `jobresultcode`; old versions send the status alone. Without a code it was an
 * internal error, as CloudStack's job manager records unexpected failures.
 */
function jobFailure(command: string, inner: JsonObject, jobId: string | undefined): CloudStackError {
  const result = isJsonObject(inner.jobresult) ? inner.jobresult : {};
  const resultCode = toInteger(inner.jobresultcode);
  const fallbackCode = resultCode !== undefined && resultCode !== 0 ? resultCode : 530;
  const withText = nonEmptyString(result.errortext) === undefined ? { ...result, errortext: `CloudStack job ${jobId ?? '(unknown)'} failed and gave no reason` } : result;
  return errorFrom(command, withText, fallbackCode, jobId);
}

function succeededResult(command: string, inner: JsonObject): JobResult {
  const result = isJsonObject(inner.jobresult) ? inner.jobresult : {};
  checkSuccess(command, result);
  return result;
}

/** `{ success: false, displaytext }` is a failure CloudStack did not raise as an error. */
function checkSuccess(command: string, inner: JsonObject): CloudStackObject {
  if (inner.success === false || inner.success === 'false') {
    const errortext = nonEmptyString(inner.displaytext) ?? `${command} reported success=false`;
    throw new CloudStackError({ command, errorcode: 530, errortext });
  }
  return normalizeObject(inner);
}

function listItem(command: string, objectKey: string, item: unknown): CloudStackObject {
  if (!isJsonObject(item)) throw malformed(command, `an element of "${objectKey}" is not an object`);
  return normalizeObject(item);
}

/** The object with its id as a string; an id that is no id at all (null, "") is left out. */
function normalizeObject(object: JsonObject): CloudStackObject {
  if (object.id === undefined) return object;
  const { id: raw, ...rest } = object;
  const id = idString(raw);
  return id === undefined ? rest : { ...rest, id };
}

/** An id as a string: CloudStack 2.x and hand-edited fixtures give numbers, 4.x UUID strings. */
function idString(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value !== '') return value;
  return undefined;
}

function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(command: string, detail: string): ProviderError {
  return new ProviderError('internal', `${command}: unexpected answer from the CloudStack API: ${detail}`, { retryable: false });
}
