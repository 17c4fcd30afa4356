/**
 * Edits of one spec file are made one at a time: each waits for the one before it,
 * whether that succeeded or failed, so a read-edit-write never interleaves with another
 * on the same file (and the base-revision check of the second sees the first's result).
 */
export class EditQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier work of `key` has settled. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.then(() => undefined, () => undefined);
    this.tails.set(key, tail);
    // The map forgets a key once its last work is done: a server edits many files over its life.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return mine;
  }
}
