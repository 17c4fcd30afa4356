/**
 * IP math every layer needs: IPv4 addresses, CIDR blocks and ranges as
 * 32-bit integers. Pure functions, no I/O.
 */
export * from './ipv4.js';
export * from './ranges.js';
