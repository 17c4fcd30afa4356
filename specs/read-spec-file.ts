/**
 * Reading one spec file from disk, refusing what is no spec file before YAML sees it:
 * anything but a regular file (a FIFO would block a plain read forever, a device never
 * ends), files above MAX_SPEC_FILE_BYTES, and bytes that are not UTF-8 text (NUL
 * bytes, invalid sequences). Each refusal is one diagnostic naming the file and,
 * for bad bytes, the line.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { Diagnostic } from './diagnostic.js';
import { formatMiB, MAX_SPEC_FILE_BYTES } from './limits.js';

export type ReadSpecFile = { readonly bytes: Buffer; readonly problem?: never } | { readonly bytes?: never; readonly problem: Diagnostic };

/** The bytes of `file`, or the one diagnostic saying why it is not read. */
export function readSpecFile(file: string): ReadSpecFile {
  const refuse = (summary: string, at: { line?: number; column?: number } = {}): ReadSpecFile => ({ problem: { severity: 'error', summary, file, ...at } });
  let fd: number | undefined;
  try {
    // Classify before opening: opening a socket fails obscurely, a FIFO without O_NONBLOCK waits for a writer.
    const kind = notRegular(statSync(file));
    if (kind) return refuse(`not a regular file (${kind}); spec files are YAML text files`);
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const stat = fstatSync(fd);
    const swapped = notRegular(stat);
    if (swapped) return refuse(`not a regular file (${swapped}); spec files are YAML text files`);
    if (stat.size > MAX_SPEC_FILE_BYTES) return refuse(tooLarge(stat.size));
    // Read to one byte past the limit: a file growing while it is read is refused too.
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_SPEC_FILE_BYTES) + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_SPEC_FILE_BYTES) return refuse(tooLarge(Math.max(length, stat.size)));
    const bytes = buffer.subarray(0, length);
    const bad = firstNonText(bytes);
    if (bad) return refuse(`not a UTF-8 text file (${bad.what}); spec files are YAML text in UTF-8`, lineOf(bytes, bad.offset));
    return { bytes };
  } catch (cause) {
    return refuse(`cannot read file: ${(cause as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const tooLarge = (size: number): string => `file is ${formatMiB(size)}; spec files are limited to ${formatMiB(MAX_SPEC_FILE_BYTES)}`;

function notRegular(stat: Stats): string | undefined {
  if (stat.isFile()) return undefined;
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isDirectory()) return 'a directory';
  return 'not a file';
}

/** Where `bytes` stop being UTF-8 text, and how; undefined when they are text. */
export function firstNonText(bytes: Buffer): { offset: number; what: string } | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { offset: 0, what: 'it starts with a UTF-16 byte-order mark' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { offset: 0, what: 'it starts with a UTF-16 byte-order mark' };
  const nul = bytes.indexOf(0);
  if (isUtf8(bytes)) return nul === -1 ? undefined : { offset: nul, what: 'a NUL byte' };
  // Decoding replaces each invalid sequence with U+FFFD and keeps every valid character,
  // so the first U+FFFD that is not one written in the file marks the first bad byte.
  const text = bytes.toString('utf8');
  let offset = 0;
  let counted = 0;
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) {
    offset += Buffer.byteLength(text.slice(counted, i));
    counted = i;
    if (bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd) continue;
    if (nul !== -1 && nul < offset) break;
    return { offset, what: `invalid UTF-8 byte 0x${bytes[offset]!.toString(16).padStart(2, '0')}` };
  }
  return { offset: nul === -1 ? 0 : nul, what: nul === -1 ? 'invalid UTF-8' : 'a NUL byte' };
}

/** 1-based line and byte column of a byte offset. */
function lineOf(bytes: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}
