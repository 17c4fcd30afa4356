/**
 * The specs of a directory kept in memory between saves: each file's load result,
 * keyed by the hash of its content, so a save reloads exactly the files whose bytes
 * changed and the model is reassembled from the rest as they were. `touch` says which
 * tenants and zones a changed file concerns, before and after the change.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Diagnostic } from '../../specs/diagnostic.js';
import { loadFile } from '../../specs/load-file.js';
import { assembleSpecSet, listSpecFiles, operatorFiles, type LoadedFile } from '../../specs/load.js';
import type { SpecSet } from '../../specs/model.js';
import { readSpecFile } from '../../specs/read-spec-file.js';
import { SourceFile } from '../../specs/source.js';

/** What a file held that a change to it concerns. */
export interface Touched {
  /** Tenants whose documents changed, appeared or went. */
  readonly tenants: ReadonlySet<string>;
  /** Zones whose Zone documents changed (every tenant in them is concerned). */
  readonly zones: ReadonlySet<string>;
  /** A Partners document changed (ownership and quotas of every partner's tenants). */
  readonly partners: boolean;
}

const NOTHING: Touched = { tenants: new Set(), zones: new Set(), partners: false };

function contentsOf(entry: LoadedFile | Diagnostic | undefined): Touched {
  if (entry === undefined || !('sha256' in entry)) return NOTHING;
  const tenants = new Set<string>();
  const zones = new Set<string>();
  let partners = false;
  for (const { value } of entry.result.documents) {
    if (value.kind === 'Tenant') tenants.add(value.metadata.name);
    else if (value.kind === 'Zone') zones.add(value.metadata.name);
    else partners = true;
  }
  return { tenants, zones, partners };
}

function union(a: Touched, b: Touched): Touched {
  return { tenants: new Set([...a.tenants, ...b.tenants]), zones: new Set([...a.zones, ...b.zones]), partners: a.partners || b.partners };
}

export class SpecWorkspace {
  private readonly entries = new Map<string, LoadedFile | Diagnostic>();
  private order: string[] = [];
  /** Each listed file by its resolved path (a save names it however the watcher does). */
  private byResolved = new Map<string, string>();
  private listing: Diagnostic[] = [];
  private assembled: SpecSet | undefined;

  constructor(private readonly paths: readonly string[]) {
    this.rescan();
  }

  /** Lists the files again (a file added or removed) and loads those not known yet. */
  rescan(): Touched {
    const listing: Diagnostic[] = [];
    const files = listSpecFiles(this.paths, listing);
    let touched = NOTHING;
    const listed = new Set(files);
    for (const gone of this.order.filter((f) => !listed.has(f))) {
      touched = union(touched, contentsOf(this.entries.get(gone)));
      this.entries.delete(gone);
    }
    for (const file of files) if (!this.entries.has(file)) touched = union(touched, this.reload(file) ?? NOTHING);
    this.order = files;
    this.byResolved = new Map(files.map((f) => [resolve(f), f]));
    this.listing = listing;
    this.assembled = undefined;
    return touched;
  }

  /**
   * Reads `file` again; undefined when its bytes did not change (an editor's save of
   * the same text), else what it concerned before and after.
   */
  reload(file: string): Touched | undefined {
    const key = this.byResolved.get(resolve(file)) ?? file;
    const before = this.entries.get(key);
    const { bytes, problem } = readSpecFile(key);
    if (problem) {
      this.entries.set(key, problem);
      this.assembled = undefined;
      return contentsOf(before);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (before !== undefined && 'sha256' in before && before.sha256 === sha256) return undefined;
    const source = new SourceFile(key, bytes.toString('utf8'));
    const entry: LoadedFile = { file: key, sha256, source, result: loadFile(source) };
    this.entries.set(key, entry);
    this.assembled = undefined;
    return union(contentsOf(before), contentsOf(entry));
  }

  /** Whether `file` is one of the spec files (after the last rescan). */
  has(file: string): boolean {
    return this.byResolved.has(resolve(file));
  }

  /**
   * The spec model as it would be with `file` (one of the files) holding `text`: what an
   * edit is judged by before it is written. Nothing is kept; the other files are as loaded.
   */
  specsWith(file: string, text: string): SpecSet {
    const key = this.byResolved.get(resolve(file)) ?? file;
    const source = new SourceFile(key, text);
    const entry: LoadedFile = { file: key, sha256: createHash('sha256').update(text).digest('hex'), source, result: loadFile(source) };
    return assembleSpecSet(this.order.map((f) => (f === key ? entry : this.entries.get(f)!)), this.listing, operatorFiles(this.paths));
  }

  /** The spec model as the files are now. */
  specs(): SpecSet {
    this.assembled ??= assembleSpecSet(this.order.map((f) => this.entries.get(f)!), this.listing, operatorFiles(this.paths));
    return this.assembled;
  }
}
