/** Terminal output: colours only when the stream is a TTY (and NO_COLOR is unset). */
import pc from 'picocolors';
import type { Colors } from 'picocolors/types.js';

export function colorsFor(stream: { isTTY?: boolean }, noColor = false): Colors {
  const enabled = Boolean(stream.isTTY) && !noColor && !process.env.NO_COLOR;
  return pc.createColors(enabled);
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printErr(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}
