/**
 * The linux provider's own record (never netfirst's state): which small index each
 * tenant router and VM has — the kernel names derive from it — and every object it
 * realized with its attributes, for `list`/`inventory` (adoption, recovery). The
 * kernel is still what `read` checks. A JSON file written atomically; callers
 * serialize changes with `Locks`.
 */
import { closeSync, existsSync, fchmodSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Attributes, ResourceTypeName } from '../../specs/model/resource.js';

export interface RegistryObject {
  readonly providerId: string;
  readonly address: string;
  readonly type: ResourceTypeName;
  readonly tenant: string;
  readonly attributes: Attributes;
}

interface RegistryData {
  routers: Record<string, number>;
  vms: Record<string, number>;
  objects: Record<string, RegistryObject>;
}

export class Registry {
  private data: RegistryData;

  constructor(private readonly path: string) {
    this.data = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as RegistryData) : { routers: {}, vms: {}, objects: {} };
  }

  routerIndex(tenant: string): number | undefined {
    return this.data.routers[tenant];
  }

  /** The tenant's router index, allocated (lowest free, from 1) on first use. */
  claimRouter(tenant: string): number {
    return (this.data.routers[tenant] ??= this.lowestFree(Object.values(this.data.routers)));
  }

  releaseRouter(tenant: string): void {
    delete this.data.routers[tenant];
  }

  vmIndex(address: string): number | undefined {
    return this.data.vms[address];
  }

  claimVm(address: string): number {
    return (this.data.vms[address] ??= this.lowestFree(Object.values(this.data.vms)));
  }

  releaseVm(address: string): void {
    delete this.data.vms[address];
  }

  get(address: string): RegistryObject | undefined {
    return this.data.objects[address];
  }

  put(o: RegistryObject): void {
    this.data.objects[o.address] = o;
  }

  remove(address: string): void {
    delete this.data.objects[address];
  }

  objects(): RegistryObject[] {
    return Object.values(this.data.objects).sort((a, b) => (a.address < b.address ? -1 : 1));
  }

  tenantObjects(tenant: string): RegistryObject[] {
    return this.objects().filter((o) => o.tenant === tenant);
  }

  isEmpty(): boolean {
    return Object.keys(this.data.objects).length === 0 && Object.keys(this.data.routers).length === 0;
  }

  /** Written 0600 (in a directory created 0700): it is the zone's inventory, its owner's only. */
  save(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = join(dirname(this.path), `.registry.${process.pid}.tmp`);
    // A leftover temporary file keeps its mode when opened: set it before writing.
    const fd = openSync(tmp, 'w', 0o600);
    try {
      fchmodSync(fd, 0o600);
      writeFileSync(fd, JSON.stringify(this.data, null, 1));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }

  private lowestFree(taken: readonly number[]): number {
    const used = new Set(taken);
    let i = 1;
    while (used.has(i)) i++;
    return i;
  }
}

/** Named async mutexes: work on one router (or the zone fabric) runs one at a time. */
export class Locks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async with<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
