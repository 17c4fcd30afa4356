/**
 * A failure of the user's making (a refused run, a bad flag, a lock held by another):
 * reported as its plain message with `exitCode` — never a stack trace. Every face says it
 * its own way: the CLI prints `Error: message` (engine/cli/errors.ts names it CliError).
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}
