/**
 * Work in flight (turns, with their replies and their saved state), so a draining instance can wait for it
 * to finish before it exits instead of cutting a person off mid-answer.
 */

/** Counts tracked work and tells when none is left. */
export interface InFlight {
  /** `work`, counted until it settles (its result or error passes through untouched). */
  track<T>(work: Promise<T>): Promise<T>;
  readonly count: number;
  /** Resolves true once nothing is in flight, or false at `deadline` (ms epoch) with work still running. */
  idle(deadline: number): Promise<boolean>;
}

/** A fresh counter. */
export function createInFlight(): InFlight {
  let count = 0;
  let waiters: Array<() => void> = [];
  const settle = (): void => {
    count -= 1;
    if (count > 0) return;
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };
  return {
    get count() {
      return count;
    },
    track(work) {
      count += 1;
      return work.finally(settle);
    },
    idle(deadline) {
      if (count === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(count === 0), Math.max(0, deadline - Date.now()));
        waiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
  };
}
