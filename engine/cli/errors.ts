/** A failure the CLI reports as a plain message and exit code — never a stack trace (engine/run/errors.ts). */
export { UserError as CliError } from '../run/errors.js';
