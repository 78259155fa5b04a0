/**
 * Caps how many probes run at once (across the whole process, or per host for the operator's tools).
 * Waiters queue in order and give up at their own deadline, so a flood of distinct targets degrades into
 * quick "busy" answers instead of piling up; a waiter without a deadline (an operator's batch) waits its turn.
 */
export interface Semaphore {
  /**
   * Resolves to a release function, or to undefined when no slot freed up before `deadline` (ms epoch);
   * without a deadline it waits as long as it takes.
   */
  acquire(deadline?: number): Promise<(() => void) | undefined>;
  readonly active: number;
  readonly waiting: number;
}

export function createSemaphore(limit: number, now: () => number = Date.now): Semaphore {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('semaphore limit must be a positive integer');
  let active = 0;
  const queue: { grant: (release: (() => void) | undefined) => void; timer?: NodeJS.Timeout }[] = [];

  const release = (): void => {
    const next = queue.shift();
    if (next) {
      clearTimeout(next.timer);
      next.grant(once(release));
    } else {
      active -= 1;
    }
  };

  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    acquire(deadline) {
      if (active < limit) {
        active += 1;
        return Promise.resolve(once(release));
      }
      return new Promise((resolve) => {
        const waiter: (typeof queue)[number] = { grant: resolve };
        if (deadline !== undefined) {
          waiter.timer = setTimeout(
            () => {
              const index = queue.indexOf(waiter);
              if (index >= 0) queue.splice(index, 1);
              resolve(undefined);
            },
            Math.max(0, deadline - now()),
          );
        }
        queue.push(waiter);
      });
    },
  };
}

function once(fn: () => void): () => void {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    fn();
  };
}
