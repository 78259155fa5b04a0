/**
 * Analytics counters per hour bucket: `counter name -> count` for each hour since the epoch. No person,
 * conversation or URL is ever a counter name (src/crowd/analytics.ts builds the names from closed lists).
 * Memory and SQLite count per instance, Redis (one hash per hour) across the fleet.
 */
import { z } from 'zod';
import type { StorageBackend } from './create-storage';
import { queuedWrite } from './sqlite-write-queue';
import { StorageError } from './storage-errors';

/** One hour's counters. `hour` is whole hours since the Unix epoch. */
export interface HourCounters {
  hour: number;
  counts: Record<string, number>;
}

/** Adds to and reads hourly counters. */
export interface AnalyticsStore {
  /** Adds each `counters` entry to hour `hour`'s count. */
  add(hour: number, counters: Readonly<Record<string, number>>): Promise<void>;
  /** Hours `fromHour` to `toHour` inclusive that have any count, oldest first. */
  read(fromHour: number, toHour: number): Promise<HourCounters[]>;
}

export const HOUR_MS = 3_600_000;

/** Longest counter name kept; names are built from closed lists, this only bounds a bug. */
const MAX_COUNTER = 120;
/** Redis hashes expire this long after their hour: a little over a year of history. */
const REDIS_RETENTION_SECONDS = 400 * 24 * 3600;

/** Stored values are checked on read: a counter written by another version must not crash the report. */
const countSchema = z.coerce.number().int().nonnegative().finite();
const rowSchema = z.object({ hour: z.number().int(), counter: z.string().min(1).max(MAX_COUNTER), n: countSchema });

/** Builds the analytics store on the connection STORAGE opened. */
export function createAnalyticsStore(backend: StorageBackend): AnalyticsStore {
  switch (backend.kind) {
    case 'memory':
      return createMemoryAnalyticsStore();
    case 'sqlite':
      return createSqliteAnalyticsStore(backend.database);
    case 'redis':
      return createRedisAnalyticsStore(backend.client, backend.keyPrefix);
  }
}

function validEntries(counters: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(counters).filter(([name, n]) => name.length > 0 && name.length <= MAX_COUNTER && Number.isInteger(n) && n > 0);
}

/** Counts per hour, summed in memory (the memory store's, and the buffered store's pending sums). */
type HourSums = Map<number, Map<string, number>>;

function addTo(hours: HourSums, hour: number, entries: Iterable<[string, number]>): void {
  const counts = hours.get(hour) ?? new Map<string, number>();
  hours.set(hour, counts);
  for (const [name, n] of entries) counts.set(name, (counts.get(name) ?? 0) + n);
}

function createMemoryAnalyticsStore(): AnalyticsStore {
  const hours: HourSums = new Map();
  return {
    async add(hour, counters) {
      const entries = validEntries(counters);
      if (entries.length > 0) addTo(hours, hour, entries);
    },
    async read(fromHour, toHour) {
      return [...hours.entries()]
        .filter(([hour]) => hour >= fromHour && hour <= toHour)
        .sort(([a], [b]) => a - b)
        .map(([hour, counts]) => ({ hour, counts: Object.fromEntries(counts) }));
    },
  };
}

function createSqliteAnalyticsStore(database: Extract<StorageBackend, { kind: 'sqlite' }>['database']): AnalyticsStore {
  database.exec(
    'CREATE TABLE IF NOT EXISTS analytics_counts (hour INTEGER NOT NULL, counter TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (hour, counter))',
  );
  const upsert = database.prepare<[number, string, number]>(
    'INSERT INTO analytics_counts (hour, counter, n) VALUES (?, ?, ?) ON CONFLICT (hour, counter) DO UPDATE SET n = n + excluded.n',
  );
  const select = database.prepare<[number, number], unknown>(
    'SELECT hour, counter, n FROM analytics_counts WHERE hour >= ? AND hour <= ? ORDER BY hour, counter',
  );
  const addAll = database.transaction((hour: number, entries: [string, number][]) => {
    for (const [name, n] of entries) upsert.run(hour, name, n);
  });
  const guard = <T>(what: string, work: () => T): T => {
    if (!database.open) throw new StorageError('storage_closed', `SQLite analytics used after close() (${what}).`);
    try {
      return work();
    } catch (error) {
      throw new StorageError('storage_unavailable', `SQLite analytics failed (${what}).`, { cause: error });
    }
  };
  return {
    async add(hour, counters) {
      const entries = validEntries(counters);
      if (entries.length === 0) return;
      // Commits with the other writes of this turn of the event loop (sqlite-write-queue.ts).
      await queuedWrite(database, 'SQLite analytics', () => addAll(hour, entries));
    },
    async read(fromHour, toHour) {
      const rows = guard('read', () => select.all(fromHour, toHour));
      const byHour = new Map<number, Record<string, number>>();
      for (const raw of rows) {
        const row = rowSchema.safeParse(raw);
        if (!row.success) continue;
        const counts = byHour.get(row.data.hour) ?? {};
        counts[row.data.counter] = row.data.n;
        byHour.set(row.data.hour, counts);
      }
      return [...byHour.entries()].map(([hour, counts]) => ({ hour, counts }));
    },
  };
}

function createRedisAnalyticsStore(client: Extract<StorageBackend, { kind: 'redis' }>['client'], keyPrefix: string): AnalyticsStore {
  const keyOf = (hour: number) => `${keyPrefix}analytics:${hour}`;
  const failed = (what: string, error: unknown) =>
    new StorageError('storage_unavailable', `Redis analytics failed (${what}).`, { cause: error });
  return {
    async add(hour, counters) {
      const entries = validEntries(counters);
      if (entries.length === 0) return;
      const key = keyOf(hour);
      const tx = client.multi();
      for (const [name, n] of entries) tx.hincrby(key, name, n);
      tx.expire(key, REDIS_RETENTION_SECONDS);
      try {
        await tx.exec();
      } catch (error) {
        throw failed('add', error);
      }
    },
    async read(fromHour, toHour) {
      const pipeline = client.pipeline();
      for (let hour = fromHour; hour <= toHour; hour += 1) pipeline.hgetall(keyOf(hour));
      let results: [Error | null, unknown][] | null;
      try {
        results = await pipeline.exec();
      } catch (error) {
        throw failed('read', error);
      }
      const out: HourCounters[] = [];
      (results ?? []).forEach(([error, value], index) => {
        if (error || !value || typeof value !== 'object') return;
        const counts: Record<string, number> = {};
        for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
          const n = countSchema.safeParse(raw);
          if (n.success && name.length <= MAX_COUNTER) counts[name] = n.data;
        }
        if (Object.keys(counts).length > 0) out.push({ hour: fromHour + index, counts });
      });
      return out;
    },
  };
}

/** An analytics store whose additions are summed in memory and written every `flushMs`. */
export interface BufferedAnalyticsStore extends AnalyticsStore {
  /** Writes what is summed so far now (a report reads after this; close and drains call it). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

export interface BufferedAnalyticsOptions {
  /** How often the sums are written. Default one second. */
  flushMs?: number;
  /** Told when a write fails; its counts stay summed and go with the next one. */
  onError?: (error: unknown) => void;
}

/**
 * Every answered turn adds to a counter or two; written one turn at a time, that was a storage write per turn
 * (a SQLite commit, a Redis round trip) for figures nobody reads by the second. The additions are summed in
 * memory and written once a second instead: a report flushes first, so it is always current, and a graceful
 * stop flushes too. A crash loses at most the last second's counts. Memory stays small: counter names come
 * from closed lists and there is one sum per name and hour.
 */
export function bufferAnalyticsStore(
  store: AnalyticsStore,
  { flushMs = 1000, onError }: BufferedAnalyticsOptions = {},
): BufferedAnalyticsStore {
  let pending: HourSums = new Map();
  let writing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush().catch(() => undefined);
    }, flushMs);
    timer.unref();
  };

  const writeAll = async (batch: HourSums): Promise<void> => {
    let failure: unknown;
    for (const [hour, counts] of batch) {
      try {
        await store.add(hour, Object.fromEntries(counts));
      } catch (error) {
        // Put back, so the next flush carries them.
        addTo(pending, hour, counts);
        failure ??= error;
      }
    }
    if (failure !== undefined) {
      onError?.(failure);
      schedule();
      throw failure;
    }
  };

  // One write at a time: a flush waits for the one before it, so counts are never written twice.
  const flush = (): Promise<void> => {
    const next = writing.then(() => {
      if (pending.size === 0) return;
      const batch = pending;
      pending = new Map();
      return writeAll(batch);
    });
    writing = next.catch(() => undefined);
    return next;
  };

  return {
    async add(hour, counters) {
      const entries = validEntries(counters);
      if (entries.length === 0) return;
      addTo(pending, hour, entries);
      schedule();
    },
    async read(fromHour, toHour) {
      await flush();
      return store.read(fromHour, toHour);
    },
    flush,
    async close() {
      clearTimeout(timer);
      timer = undefined;
      await flush();
    },
  };
}
