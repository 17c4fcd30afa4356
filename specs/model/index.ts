/**
 * specs/model: the words every layer shares — IPv4 math (net/) and the end of an
 * exhaustive switch (never.ts). It imports nothing else of the project.
 */
export * from './net/index.js';
export { assertNever } from './never.js';
