/**
 * Refusals as CloudStack words them. An `ApiError` carries the HTTP status / errorcode
 * (ApiErrorCode), the `cserrorcode` CloudStack derives from the Java exception class
 * (CSExceptionErrorCode), and the errortext; thrown from a request it becomes the HTTP
 * answer, thrown from a running job it becomes the job's failure (jobstatus 2).
 */
import type { JsonObject } from './json.js';

/** CSExceptionErrorCode values for the exceptions CloudStack raises in these situations. */
export const CS_ERROR = {
  serverApi: 9999,
  cloudRuntime: 4250,
  insufficientAddressCapacity: 4320,
  insufficientNetworkCapacity: 4330,
  insufficientServerCapacity: 4335,
  insufficientStorageCapacity: 4340,
  invalidParameterValue: 4350,
  networkRuleConflict: 4360,
  permissionDenied: 4365,
  resourceInUse: 4375,
} as const;

export class ApiError extends Error {
  constructor(
    readonly errorcode: number,
    message: string,
    readonly cserrorcode: number = defaultCsCode(errorcode),
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function defaultCsCode(errorcode: number): number {
  switch (errorcode) {
    case 431:
      return CS_ERROR.invalidParameterValue;
    case 530:
      return CS_ERROR.cloudRuntime;
    case 531:
      return CS_ERROR.permissionDenied;
    case 533:
      return CS_ERROR.insufficientServerCapacity;
    case 536:
      return CS_ERROR.resourceInUse;
    case 537:
      return CS_ERROR.networkRuleConflict;
    default:
      return CS_ERROR.serverApi;
  }
}

/** The body CloudStack's ExceptionResponse serializes to, under `<cmd>response` or inside a failed job. */
export function errorObject(error: ApiError): JsonObject {
  return { uuidList: [], errorcode: error.errorcode, cserrorcode: error.cserrorcode, errortext: error.message };
}

export const CREDENTIALS_REFUSED = 'unable to verify user credentials and/or request signature';

export const unauthorized = (): ApiError => new ApiError(401, CREDENTIALS_REFUSED);

/** InvalidParameterValueException: the usual refusal of a request CloudStack understood. */
export const invalid = (text: string): ApiError => new ApiError(431, text, CS_ERROR.invalidParameterValue);

/** ParamProcessWorker's words for a UUID that names nothing (or something removed). */
export const noSuchEntity = (param: string, value: string): ApiError =>
  invalid(`Invalid parameter ${param} value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`);

export const missingParameter = (command: string, param: string): ApiError =>
  new ApiError(431, `Unable to execute API command ${command.toLowerCase()} due to missing parameter ${param}`, CS_ERROR.serverApi);

export const badValue = (command: string, param: string, value: string): ApiError =>
  new ApiError(431, `Unable to execute API command ${command.toLowerCase()} due to invalid value ${value} for parameter ${param}`, CS_ERROR.serverApi);

/**
 * "In use": the endpoint answers 536 wherever something still depends on what is being
 * deleted, as netfirst's design asks. CloudStack is less uniform (431 for VPN gateways
 * with connections or an attached volume, 530 for a network with VMs or a project with
 * resources): a client must not rely on the code alone.
 */
export const inUse = (text: string): ApiError => new ApiError(536, text, CS_ERROR.resourceInUse);

export const ruleConflict = (text: string): ApiError => new ApiError(537, text, CS_ERROR.networkRuleConflict);

export const internalError = (text: string): ApiError => new ApiError(530, text, CS_ERROR.cloudRuntime);

export const permissionDenied = (text: string): ApiError => new ApiError(531, text, CS_ERROR.permissionDenied);

export type CapacityKind = 'server' | 'storage' | 'address' | 'network';

export function insufficientCapacity(kind: CapacityKind, text: string): ApiError {
  const code = {
    server: CS_ERROR.insufficientServerCapacity,
    storage: CS_ERROR.insufficientStorageCapacity,
    address: CS_ERROR.insufficientAddressCapacity,
    network: CS_ERROR.insufficientNetworkCapacity,
  }[kind];
  return new ApiError(533, text, code);
}
