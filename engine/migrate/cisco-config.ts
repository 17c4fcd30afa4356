/**
 * Reading a Cisco config into blocks: a top-level command and the indented lines under it.
 * Comments (`!`, ASA `:`) and blank lines never end a block — fwbuilder's test config continues
 * an interface after a `!` — while multi-line banners and certificate hex are swallowed whole so
 * their text is never read as commands. An `interface` line indented by mistake (old IOS) starts
 * a block when the lines after it are not indented further.
 */

export type CiscoFormat = 'cisco-ios' | 'cisco-asa';

/** One line as read: 1-based number, trimmed text, count of leading whitespace characters. */
export interface ConfigLine {
  readonly line: number;
  readonly text: string;
  readonly indent: number;
}

export interface ConfigBlock {
  readonly index: number;
  readonly head: ConfigLine;
  readonly children: readonly ConfigLine[];
  /** Banner or certificate: the children are text, not commands. */
  readonly verbatim: boolean;
  /** A multi-line banner with no closing delimiter: only its first line was taken. */
  readonly unclosed?: boolean;
}

export interface CiscoConfig {
  readonly file: string;
  readonly format: CiscoFormat;
  readonly blocks: readonly ConfigBlock[];
}

export const tokens = (l: ConfigLine): string[] => l.text.split(/\s+/);

export function splitLines(text: string): ConfigLine[] {
  return text.split(/\r\n|\r|\n/).map((raw, i) => {
    const text = raw.trim();
    return { line: i + 1, text, indent: raw.length - raw.trimStart().length };
  });
}

const isComment = (l: ConfigLine): boolean => l.text === '' || l.text.startsWith('!') || (l.indent === 0 && l.text.startsWith(':'));
const HEX = /^[0-9A-Fa-f]{2,}(\s+[0-9A-Fa-f]+)*$/;

interface Swallowed {
  readonly next: number;
  readonly children: ConfigLine[];
  readonly unclosed?: boolean;
}

/**
 * Most lines a multi-line banner may span (login banners are a few dozen): the search
 * for the closing delimiter stops there, so a file of unclosed banners, each with its
 * own delimiter, costs lines × this, not lines².
 */
const MAX_BANNER_LINES = 256;

/** An IOS banner `banner motd ^C … ^C`; ASA banners are one line each. */
function swallowBanner(lines: readonly ConfigLine[], at: number, format: CiscoFormat): Swallowed {
  const head = lines[at]!;
  const rest = head.text.replace(/^banner\s+\S+\s*/, '');
  if (format === 'cisco-asa' || rest === '') return { next: at + 1, children: [] };
  const delimiter = rest.startsWith('^C') ? '^C' : rest.charAt(0);
  if (rest.slice(delimiter.length).includes(delimiter)) return { next: at + 1, children: [] };
  for (let j = at + 1; j < lines.length && j <= at + MAX_BANNER_LINES; j++) {
    if (lines[j]!.text.includes(delimiter)) return { next: j + 1, children: lines.slice(at + 1, j + 1) };
  }
  return { next: at + 1, children: [], unclosed: true };
}

/** `certificate … <hex lines> quit`: the hex is dropped, only the head line is kept. */
function swallowCertificate(lines: readonly ConfigLine[], at: number): Swallowed | undefined {
  const following = lines[at + 1];
  if (!following || !HEX.test(following.text)) return undefined;
  let j = at + 1;
  while (j < lines.length && HEX.test(lines[j]!.text)) j++;
  if (lines[j]?.text === 'quit') j++;
  return { next: j, children: [] };
}

function nextCommandIndent(lines: readonly ConfigLine[], at: number): number {
  for (let j = at + 1; j < lines.length; j++) if (!isComment(lines[j]!)) return lines[j]!.indent;
  return 0;
}

const startsBlock = (lines: readonly ConfigLine[], at: number, open: boolean): boolean => {
  const l = lines[at]!;
  if (l.indent === 0 || !open) return true;
  return /^interface\s/i.test(l.text) && nextCommandIndent(lines, at) <= l.indent;
};

export function readBlocks(text: string, format: CiscoFormat): ConfigBlock[] {
  const lines = splitLines(text);
  const blocks: ConfigBlock[] = [];
  let open: { head: ConfigLine; children: ConfigLine[] } | undefined;
  const close = (): void => {
    if (open) blocks.push({ index: blocks.length, head: open.head, children: open.children, verbatim: false });
    open = undefined;
  };
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (isComment(l)) {
      i++;
      continue;
    }
    if (l.indent === 0 && /^banner\s/i.test(l.text)) {
      close();
      const b = swallowBanner(lines, i, format);
      blocks.push({ index: blocks.length, head: l, children: b.children, verbatim: true, ...(b.unclosed ? { unclosed: true } : {}) });
      i = b.next;
      continue;
    }
    const cert = /^certificate\s/i.test(l.text) ? swallowCertificate(lines, i) : undefined;
    if (cert && open && l.indent > 0) {
      open.children.push(l);
      i = cert.next;
      continue;
    }
    if (cert) {
      close();
      blocks.push({ index: blocks.length, head: l, children: [], verbatim: true });
      i = cert.next;
      continue;
    }
    if (l.indent === 0 && /^(exit|end)$/i.test(l.text)) {
      close();
      i++;
      continue;
    }
    if (startsBlock(lines, i, open !== undefined)) {
      close();
      open = { head: l, children: [] };
    } else {
      open!.children.push(l);
    }
    i++;
  }
  close();
  return blocks;
}
