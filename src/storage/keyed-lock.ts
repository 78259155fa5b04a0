/**
 * Serialises work per key inside one process (turns of one conversation run one after another, turns of
 * different conversations run side by side). Across instances, eTags catch what this cannot.
 */

/** Runs async work one at a time per key. */
export interface KeyedLock {
  /** Runs `fn` after every earlier `run` with the same key has settled (FIFO); resolves or rejects as `fn` does. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** How many keys have work queued or running (idle keys are forgotten). */
  readonly size: number;
}

const ignore = (): void => undefined;

/** Creates an in-process keyed lock. */
export function createKeyedLock(): KeyedLock {
  // Per key, a promise that settles when the last queued fn has settled; it never rejects.
  const tails = new Map<string, Promise<void>>();

  return {
    run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const previous = tails.get(key);
      // `then` also turns a synchronous throw in fn into a rejection of this run only.
      const result = previous === undefined ? Promise.resolve().then(fn) : previous.then(fn);
      const tail = result.then(ignore, ignore);
      tails.set(key, tail);
      void tail.then(() => {
        // Only the last queued run may forget the key; an earlier one would drop a live queue.
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    get size() {
      return tails.size;
    },
  };
}
