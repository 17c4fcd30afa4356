/**
 * libvirt XML as elements with line numbers, read with @xmldom/xmldom, plus the few
 * DOM walks the importers need. libvirt's own parser (libxml2) is strict, so any
 * parser complaint, even a warning, means the file is not libvirt XML. Files may hold
 * several root elements one after another (`virsh dumpxml a b`, virt-install's
 * install-then-boot pair); they are all returned, in order.
 */
import { DOMParser, type Element, type Node } from '@xmldom/xmldom';
import { UnsupportedFormat, type SourceLine } from './model.js';
import { FILE_LIMITS, ImportTooLarge } from './limits.js';

/** Holds the file's root elements together; on line 1 beside the file's first line, so lines stay true. */
const WRAPPER = 'libvirt-import-file';
const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

export interface XmlFile {
  readonly file: string;
  readonly roots: readonly Element[];
  /** The file's lines, for the `text` of a source. */
  readonly lines: readonly string[];
}

export function parseXmlFile(file: string, text: string): XmlFile {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('{') || start.startsWith('[')) throw new UnsupportedFormat(file, 'JSON, not libvirt XML');
  if (text.includes('\u0000')) throw new UnsupportedFormat(file, 'binary data, not libvirt XML');
  if (!elementsAtMost(text, FILE_LIMITS.xmlElements)) throw new ImportTooLarge(file, 'xmlElements');
  const body = blankDeclarations(text.replace(/^\uFEFF/, ''));
  const parser = new DOMParser({
    onError: (level, message) => {
      throw new Error(`${level === 'warning' ? 'malformed XML' : 'not well-formed XML'}: ${message}`);
    },
  });
  let wrapper: Element | null;
  try {
    wrapper = parser.parseFromString(`<${WRAPPER}>${body}</${WRAPPER}>`, 'text/xml').documentElement;
  } catch (error) {
    throw new UnsupportedFormat(file, parseFailure(error));
  }
  const roots: Element[] = [];
  for (let node = wrapper?.firstChild ?? null; node !== null; node = node.nextSibling) {
    if (isElement(node)) roots.push(node);
    else if ((node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) && (node.nodeValue ?? '').trim() !== '') {
      const value = node.nodeValue ?? '';
      const line = (node.lineNumber ?? 1) + (/^\s*/.exec(value)?.[0].split('\n').length ?? 1) - 1;
      throw new UnsupportedFormat(file, `text outside any XML element at line ${line} (${snippet(value)}): not libvirt XML`);
    }
  }
  if (roots.length === 0) throw new UnsupportedFormat(file, 'no XML element in the file: not libvirt XML');
  return { file, roots, lines: text.split(/\r\n|\r|\n/) };
}

/**
 * False when `text` may hold more than `limit` elements, counted before parsing: each
 * element starts with a `<` not followed by `/`, `!` or `?`, so that count is never
 * below the real one (a `<` in a comment or CDATA may only raise it). The DOM costs a few hundred bytes
 * per element; a file of nothing but `<a>` would take a gigabyte.
 */
function elementsAtMost(text: string, limit: number): boolean {
  let n = 0;
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i + 1)) {
    const c = text.charCodeAt(i + 1);
    if (c !== 0x2f && c !== 0x21 && c !== 0x3f && ++n > limit) return false;
  }
  return true;
}

/**
 * `<?xml …?>` and `<!DOCTYPE …>` may only open a document, and each concatenated
 * document may bring its own: they carry nothing the importers read, so they become
 * spaces (line breaks kept) and the rest parses as one sequence of elements.
 */
function blankDeclarations(text: string): string {
  return text.replace(/<\?xml\b[\s\S]*?\?>|<!DOCTYPE\b[^[>]*(\[[\s\S]*?\])?\s*>/g, (m) => m.replace(/[^\n]/g, ' '));
}

function parseFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = lineOfLocator(error);
  const cause = message
    .replace(/^Reporting \w+ "[\s\S]*?" caused Error: /, '')
    .replace(new RegExp(`Opening and ending tag mismatch: "([^"]+)" != "${WRAPPER}"`), '<$1> is not closed before the end of the file');
  return `${cause}${line === undefined ? '' : ` (line ${line})`}`;
}

function lineOfLocator(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('locator' in error)) return undefined;
  const locator: unknown = error.locator;
  if (typeof locator !== 'object' || locator === null || !('lineNumber' in locator)) return undefined;
  return typeof locator.lineNumber === 'number' && locator.lineNumber > 0 ? locator.lineNumber : undefined;
}

function snippet(text: string): string {
  const trimmed = text.trim().split('\n')[0] ?? '';
  return trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed;
}

export function isElement(node: Node): node is Element {
  return node.nodeType === ELEMENT_NODE;
}

/** Direct children named `localName` (any when omitted) in namespace `ns` (none by default: libvirt's own elements). */
export function children(element: Element, localName?: string, ns: string | null = null): Element[] {
  const found: Element[] = [];
  for (let node = element.firstChild; node !== null; node = node.nextSibling) {
    if (isElement(node) && (localName === undefined || node.localName === localName) && node.namespaceURI === ns) found.push(node);
  }
  return found;
}

export function child(element: Element, localName: string, ns: string | null = null): Element | undefined {
  return children(element, localName, ns)[0];
}

/** The attribute's value, or undefined when absent or blank. */
export function attr(element: Element | undefined, name: string): string | undefined {
  const value = element?.getAttribute(name)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** The trimmed text of the child `localName`, or undefined when it is absent or empty. */
export function childText(element: Element, localName: string, ns: string | null = null): string | undefined {
  const text = child(element, localName, ns)?.textContent?.trim();
  return text === undefined || text === '' ? undefined : text;
}

export function sourceOf(xml: XmlFile, element: Element): SourceLine {
  const line = element.lineNumber ?? 1;
  return { file: xml.file, line, text: (xml.lines[line - 1] ?? '').trim() };
}
