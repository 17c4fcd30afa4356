/**
 * Deterministic fault injection. Whether a request fails (before it does anything) and
 * whether its job never finishes depend only on the seed, the command, its parameters
 * (but not the signature, key or expiry, which change on every attempt) and how many
 * times that same request came before — never on the order concurrent requests arrive
 * in, so a run fails at the same places every time, and a retry draws anew.
 */
import { fnv1a, mulberry32 } from '../../sim/failures.js';
import { ApiError, CS_ERROR } from './errors.js';

export type FaultCode = 431 | 530 | 533;

export interface FaultOptions {
  /** Share of mutating requests refused before anything happens. */
  readonly rate: number;
  readonly seed: number;
  readonly codes?: readonly FaultCode[];
  /** Share of async jobs that never report an outcome (their work is still done). */
  readonly jobTimeoutRate?: number;
}

export interface FaultInjector {
  /** The refusal for this attempt of a mutating request, or undefined to let it run. */
  refuse(command: string, params: ReadonlyMap<string, string>): ApiError | undefined;
  /** Whether this attempt's job should stay pending forever. */
  hangs(command: string, params: ReadonlyMap<string, string>): boolean;
}

const VOLATILE = new Set(['signature', 'apikey', 'expires', 'signatureversion']);

const TEXTS: Record<FaultCode, (command: string) => ApiError> = {
  431: (c) => new ApiError(431, `Unable to execute API command ${c.toLowerCase()} due to invalid value (injected fault)`, CS_ERROR.invalidParameterValue),
  530: () => new ApiError(530, 'Internal error executing command, please contact your system administrator (injected fault)', CS_ERROR.cloudRuntime),
  533: () => new ApiError(533, 'Insufficient capacity (injected fault)', CS_ERROR.insufficientServerCapacity),
};

export function faultInjector(options: FaultOptions | undefined): FaultInjector {
  const attempts = new Map<string, number>();
  const codes = options?.codes && options.codes.length > 0 ? options.codes : ([431, 530, 533] as const);
  /** Two draws for the attempt of `what` on this request. */
  const draw = (what: string, command: string, params: ReadonlyMap<string, string>): [number, number] => {
    const canonical = [...params].filter(([k]) => !VOLATILE.has(k.toLowerCase())).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = `${what}\0${command}\0${canonical.map(([k, v]) => `${k}=${v}`).join('&')}`;
    const attempt = attempts.get(key) ?? 0;
    attempts.set(key, attempt + 1);
    const random = mulberry32(fnv1a(`${options?.seed ?? 0}\0${key}\0${attempt}`));
    return [random(), random()];
  };
  return {
    refuse(command, params) {
      if (!options || options.rate <= 0) return undefined;
      const [roll, pick] = draw('request', command, params);
      if (roll >= options.rate) return undefined;
      const code = codes[Math.floor(pick * codes.length)] ?? 530;
      return TEXTS[code](command);
    },
    hangs(command, params) {
      const rate = options?.jobTimeoutRate ?? 0;
      if (rate <= 0) return false;
      return draw('job', command, params)[0] < rate;
    },
  };
}
