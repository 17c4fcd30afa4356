/** The caller of a request under /api/v1 (authentication set it, or refused the request). */
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../caller.js';
import { HttpProblem } from '../problem.js';

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new HttpProblem('unauthenticated', 'a bearer token is required');
  return request.caller;
}
