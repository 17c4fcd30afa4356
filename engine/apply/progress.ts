/**
 * Progress of a running apply, for people: on a TTY a live counter line redrawn in
 * place plus a line per finished resource; otherwise one line per start and finish
 * (CI logs). `quiet` prints nothing (benchmarks, --json).
 */
import type { Colors } from 'picocolors/types.js';
import type { Step } from '../plan/order.js';
import type { ApplyReporter } from './execute.js';
import { messageOf } from './execute.js';

const VERB: Record<Step['kind'], [string, string]> = {
  create: ['Creating...', 'Creation complete'],
  update: ['Modifying...', 'Modifications complete'],
  delete: ['Destroying...', 'Destruction complete'],
};

export function createProgressReporter(options: { out: NodeJS.WritableStream & { isTTY?: boolean }; colors: Colors; total: number; quiet?: boolean }): ApplyReporter & { close(): void } {
  const { out, colors: c, total } = options;
  const tty = Boolean(out.isTTY);
  let done = 0;
  let failed = 0;
  let running = 0;
  const t0 = performance.now();
  const status = (): string => `  ${done}/${total} done, ${running} in flight${failed ? c.red(`, ${failed} failed`) : ''} — ${((performance.now() - t0) / 1000).toFixed(1)}s`;
  const write = (line: string): void => {
    if (options.quiet) return;
    if (tty) out.write(`\r\x1b[2K${line}\n${status()}`);
    else out.write(`${line}\n`);
  };
  return {
    started(id, step) {
      running++;
      if (!tty) write(`${id}: ${VERB[step.kind][0]}`);
      else if (!options.quiet) out.write(`\r\x1b[2K${status()}`);
    },
    finished(id, step, ms, error) {
      running--;
      done++;
      const secs = ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
      if (error) {
        failed++;
        write(c.red(`${id}: failed after ${secs}: ${messageOf(error)}`));
      } else {
        write(`${id}: ${VERB[step.kind][1]} after ${secs}`);
      }
    },
    retrying(id, attempt, delayMs, error) {
      write(c.yellow(`${id}: ${messageOf(error)} (attempt ${attempt}); retrying in ${delayMs < 1000 ? `${delayMs}ms` : `${(delayMs / 1000).toFixed(1)}s`}`));
    },
    close() {
      if (tty && !options.quiet) out.write('\r\x1b[2K');
    },
  };
}
