/**
 * libvirt importer: domain, network, storage and test-driver node XML in, facts out.
 * Files may hold several root elements; every file of one call is read before
 * anything is joined (libvirt-resolve.ts), so a domain given with its networks and
 * pools gets their VLANs and disk sizes. Pure: the caller reads the files. A file that
 * is not libvirt XML throws UnsupportedFormat.
 */
import type { Element } from '@xmldom/xmldom';
import { emptyResult, UnsupportedFormat, type ImportResult, type Unmapped } from './model.js';
import { readDomain, readSnapshot } from './libvirt-domain.js';
import { readNetwork } from './libvirt-network.js';
import { HOST_ELEMENTS, hostSummary } from './libvirt-node.js';
import { resolveFacts, type Facts } from './libvirt-resolve.js';
import { readPool, readVolume } from './libvirt-storage.js';
import { children, parseXmlFile, sourceOf, type XmlFile } from './libvirt-xml.js';

/** The root elements libvirt writes, and the format a file of them is read as. */
const ROOT_FORMATS: Readonly<Record<string, string>> = {
  domain: 'libvirt-domain',
  network: 'libvirt-network',
  volume: 'libvirt-volume',
  pool: 'libvirt-pool',
  node: 'libvirt-node',
  domainsnapshot: 'libvirt-snapshot',
};

export function importLibvirt(files: readonly { path: string; text: string }[]): ImportResult {
  const read = files.map((f) => readFile(f.path, f.text));
  const resolved = resolveFacts(combine(read.map((r) => r.facts)));
  return {
    ...emptyResult(),
    formats: new Map(read.map((r) => [r.file, r.format])),
    networks: resolved.networks,
    vms: resolved.vms,
    unmapped: resolved.unmapped,
  };
}

function readFile(file: string, text: string): { file: string; format: string; facts: Facts } {
  const xml = parseXmlFile(file, text);
  const formats = [...new Set(xml.roots.map(rootFormat).filter((f): f is string => f !== undefined))];
  const [first] = xml.roots;
  if (formats.length === 0 && first !== undefined) {
    throw new UnsupportedFormat(file, `root element <${first.tagName}> (line ${first.lineNumber ?? 1}) is not libvirt XML: expected <domain>, <network>, <volume>, <pool> or <node>`);
  }
  return { file, format: formats.join('+'), facts: readElements(xml, xml.roots) };
}

/**
 * The facts of elements and, for a `<node>`, of the elements it holds, read with a work
 * list rather than recursion: a file may nest `<node>`s as deep as its size allows.
 * Facts come out in document order.
 */
function readElements(xml: XmlFile, elements: readonly Element[]): Facts {
  const parts: Facts[] = [];
  const pending: Element[] = [...elements].reverse();
  for (let element = pending.pop(); element !== undefined; element = pending.pop()) {
    if (rootFormat(element) === 'libvirt-node') {
      parts.push(only({ unmapped: hostSummary(xml, element) }));
      const inventory = children(element).filter((c) => !HOST_ELEMENTS.has(c.localName ?? ''));
      for (let k = inventory.length - 1; k >= 0; k--) pending.push(inventory[k]!);
    } else parts.push(readElement(xml, element));
  }
  return combine(parts);
}

function rootFormat(root: Element): string | undefined {
  return root.namespaceURI === null ? ROOT_FORMATS[root.localName ?? ''] : undefined;
}

function readElement(xml: XmlFile, element: Element): Facts {
  switch (rootFormat(element) === undefined ? '' : element.localName) {
    case 'domain': {
      const domain = readDomain(xml, element);
      return 'construct' in domain ? only({ unmapped: [domain] }) : only({ domains: [domain] });
    }
    case 'network': {
      const network = readNetwork(xml, element);
      return 'construct' in network ? only({ unmapped: [network] }) : only({ networks: [network] });
    }
    case 'pool':
      return only(readPool(xml, element));
    case 'volume':
      return only({ volumes: [readVolume(xml, element)] });
    case 'domainsnapshot':
      return only({ unmapped: [readSnapshot(xml, element)] });
    case 'node':
      return readElements(xml, [element]);
    default:
      return only({ unmapped: [unknownElement(xml, element)] });
  }
}

function unknownElement(xml: XmlFile, element: Element): Unmapped {
  return { source: sourceOf(xml, element), construct: `<${element.tagName}> element`, reason: 'not a libvirt domain, network, volume or pool: nothing to import' };
}

function only(part: Partial<Facts>): Facts {
  return { domains: [], networks: [], volumes: [], unmapped: [], ...part };
}

function combine(parts: readonly Facts[]): Facts {
  return {
    domains: parts.flatMap((p) => p.domains),
    networks: parts.flatMap((p) => p.networks),
    volumes: parts.flatMap((p) => p.volumes),
    unmapped: parts.flatMap((p) => p.unmapped),
  };
}
