/**
 * A CloudStack-compatible API endpoint backed by the sim zone's model: what the
 * cloudstack provider is tested against and what `netfirst sim serve --cloudstack-api`
 * serves. server.ts is the HTTP side, dispatch.ts one request, commands/ the handlers.
 */
export { startCloudStackServer, type CloudStackServer, type CloudStackServerOptions } from './server.js';
export { verifyRequest, signatureOf, javaUrlEncode } from './signature.js';
export type { FaultCode } from './faults.js';
