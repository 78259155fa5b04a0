/** A clock tests move by hand; starts at the real time by default so tokens look ordinary. */
export interface FakeClock {
  now: () => number;
  advance(ms: number): void;
}

export function createFakeClock(start = Date.now()): FakeClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
  };
}
