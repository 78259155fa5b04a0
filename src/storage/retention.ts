/**
 * Retention rules every storage shares: how long stored state lives, how the limits are checked, and the
 * background sweep that deletes what has expired. A public bot keeps what strangers type only for
 * STATE_TTL_DAYS, so expiry is on by default everywhere and there is no "keep forever" setting.
 */
import { StorageError } from './storage-errors';

/** One day in milliseconds. */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Lifetime of a stored item when the caller does not say (STATE_TTL_DAYS' default). */
export const DEFAULT_STATE_TTL_MS = 30 * DAY_MS;

/** How often expired rows are deleted in the background. */
export const DEFAULT_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** Rows deleted per statement, so one sweep of a large backlog never holds the write lock for long. */
export const SWEEP_BATCH = 1000;

/** Expiry settings of the memory and SQLite storages. */
export interface RetentionOptions {
  /** An item is gone this many ms after its last write (reads do not extend it). Default 30 days. */
  ttlMs?: number;
  /** The clock, replaceable in tests. Default `Date.now`. */
  now?: () => number;
  /** How often expired entries are deleted in the background. Default one hour. */
  sweepIntervalMs?: number;
  /** Told when a background sweep fails (the next one tries again). Default: ignored. */
  onSweepError?: (error: Error) => void;
}

/** Converts STATE_TTL_DAYS into the milliseconds the storages take. */
export function stateTtlFromDays(days: number): number {
  return checkRetentionMs('STATE_TTL_DAYS', days * DAY_MS);
}

/** Returns `value` rounded up to whole ms, or throws `invalid_ttl` unless it is a positive finite number. */
export function checkRetentionMs(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new StorageError('invalid_ttl', `${name} must be a positive number of ms, got ${String(value)}.`);
  }
  return Math.ceil(value);
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** A running background sweep. */
export interface Sweeper {
  /** Stops the timer; a sweep already running finishes on its own. Safe to call twice. */
  stop(): void;
}

/**
 * Runs `sweep` every `intervalMs` on an unref'd timer (it never keeps the process alive). A sweep that is
 * still running when the next one is due is not overlapped; failures go to `onError` and are retried at
 * the next tick.
 */
export function startSweeper(
  intervalMs: number,
  sweep: () => Promise<unknown>,
  onError: (error: Error) => void = () => undefined,
): Sweeper {
  // setInterval treats anything above 2^31-1 ms as 1 ms, which would turn a long interval into a busy loop.
  const interval = Math.min(checkRetentionMs('sweepIntervalMs', intervalMs), MAX_TIMER_MS);
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        running = false;
      });
  }, interval);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * One sweep of a SQLite table: `deleteBatch(SWEEP_BATCH)` deletes at most that many expired rows and returns
 * how many went; batches repeat, with the event loop free in between, until one comes back short. Stops
 * early once `isOpen()` is false (the file was closed). Resolves to how many rows went in all.
 */
export async function sweepInBatches(isOpen: () => boolean, deleteBatch: (limit: number) => number): Promise<number> {
  let removed = 0;
  for (;;) {
    if (!isOpen()) return removed;
    const changes = deleteBatch(SWEEP_BATCH);
    removed += changes;
    if (changes < SWEEP_BATCH) return removed;
    await yieldToEventLoop();
  }
}

/** Resolves on the next turn of the event loop, so a long sweep lets requests in between its batches. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
