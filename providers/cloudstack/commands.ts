/**
 * The API table (api.ts) seen by kind, so that the compiler refuses `call` on an async
 * command, `start` on a sync one and `list` on anything but a list command.
 */
import { COMMANDS, type CommandName } from './api.js';

/** Commands CloudStack answers directly. */
export type SyncCommand = { [K in CommandName]: (typeof COMMANDS)[K]['async'] extends false ? K : never }[CommandName];

/** Commands CloudStack runs as async jobs. */
export type AsyncCommand = { [K in CommandName]: (typeof COMMANDS)[K]['async'] extends true ? K : never }[CommandName];

/** Sync commands that answer with a page of objects. */
export type ListCommand = Extract<SyncCommand, `list${string}`>;

export function isAsyncCommand(command: CommandName): command is AsyncCommand {
  return COMMANDS[command].async;
}
