/**
 * Crowd reports: which (hashed) people asked about a host, in a sliding window. Memory and SQLite count per
 * instance, Redis counts across the fleet (one sorted set per host, scored by when each person last asked).
 * Reporters arrive already hashed with a salt (src/crowd/crowd-service.ts): nothing here can name a person.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { StorageBackend } from './create-storage';
import { queuedWrite } from './sqlite-write-queue';
import { StorageError } from './storage-errors';

/** Counts distinct reporters per host in a sliding window. */
export interface CrowdStore {
  /** Records that `reporter` asked about `host` at `now`; resolves to the distinct reporters within `windowMs`. */
  report(host: string, reporter: string, now: number, windowMs: number): Promise<number>;
  /** Distinct reporters of `host` within `windowMs` before `now`. */
  count(host: string, now: number, windowMs: number): Promise<number>;
  /** The deployment's salt for hashing reporters: shared by every instance that shares the backend. */
  salt(): Promise<string>;
}

/** Longest host name kept (DNS allows 253); longer keys are cut, never refused. */
const MAX_HOST = 253;
/** Hosts the memory store keeps at most; the stalest go first, so a flood of hosts cannot grow memory. */
const MAX_MEMORY_HOSTS = 10_000;
/** Reporters kept per host in memory; far beyond any threshold worth alerting on. */
const MAX_MEMORY_REPORTERS = 10_000;

const saltSchema = z.string().min(16).max(200);
const countSchema = z.coerce.number().int().nonnegative();

/** Builds the crowd store on the connection STORAGE opened. */
export function createCrowdStore(backend: StorageBackend): CrowdStore {
  switch (backend.kind) {
    case 'memory':
      return createMemoryCrowdStore();
    case 'sqlite':
      return createSqliteCrowdStore(backend.database);
    case 'redis':
      return createRedisCrowdStore(backend.client, backend.keyPrefix);
  }
}

function hostKey(host: string): string {
  return host.toLowerCase().slice(0, MAX_HOST);
}

function createMemoryCrowdStore(): CrowdStore {
  const hosts = new Map<string, Map<string, number>>();
  const secret = randomBytes(32).toString('base64url');
  const live = (host: string, now: number, windowMs: number): Map<string, number> | undefined => {
    const seen = hosts.get(host);
    if (!seen) return undefined;
    // Reporters are kept in the order they last asked (see report), so the stale ones are all at the front:
    // an outage storm of thousands of people costs one step per report, not one pass over everyone.
    for (const [reporter, at] of seen) {
      if (at > now - windowMs) break;
      seen.delete(reporter);
    }
    if (seen.size === 0) hosts.delete(host);
    return seen.size > 0 ? seen : undefined;
  };
  return {
    async report(rawHost, reporter, now, windowMs) {
      const host = hostKey(rawHost);
      const seen = live(host, now, windowMs) ?? new Map<string, number>();
      // Re-inserting moves the host (and the reporter) to the end: Map order is the eviction order.
      hosts.delete(host);
      hosts.set(host, seen);
      seen.delete(reporter);
      seen.set(reporter, now);
      if (seen.size > MAX_MEMORY_REPORTERS) seen.delete(seen.keys().next().value as string);
      if (hosts.size > MAX_MEMORY_HOSTS) hosts.delete(hosts.keys().next().value as string);
      return seen.size;
    },
    async count(host, now, windowMs) {
      return live(hostKey(host), now, windowMs)?.size ?? 0;
    },
    async salt() {
      return secret;
    },
  };
}

/** How long a SQLite crowd count is kept up to date in memory before it is read again from the rows. */
const RECOUNT_MS = 1000;

function createSqliteCrowdStore(database: Extract<StorageBackend, { kind: 'sqlite' }>['database']): CrowdStore {
  database.exec(
    'CREATE TABLE IF NOT EXISTS crowd_reports (host TEXT NOT NULL, reporter TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (host, reporter))',
  );
  // Pruning and counting read one host's rows by time: a range of this index, not every row of the host.
  database.exec('CREATE INDEX IF NOT EXISTS crowd_reports_host_at ON crowd_reports (host, at)');
  database.exec('CREATE TABLE IF NOT EXISTS crowd_salt (id INTEGER PRIMARY KEY CHECK (id = 1), salt TEXT NOT NULL)');
  const insertNew = database.prepare<[string, string, number]>('INSERT OR IGNORE INTO crowd_reports (host, reporter, at) VALUES (?, ?, ?)');
  const touch = database.prepare<[number, string, string]>('UPDATE crowd_reports SET at = ? WHERE host = ? AND reporter = ?');
  const prune = database.prepare<[string, number]>('DELETE FROM crowd_reports WHERE host = ? AND at <= ?');
  const countRows = database.prepare<[string, number], { n: unknown }>('SELECT COUNT(*) AS n FROM crowd_reports WHERE host = ? AND at > ?');
  const insertSalt = database.prepare<[string]>('INSERT OR IGNORE INTO crowd_salt (id, salt) VALUES (1, ?)');
  const readSalt = database.prepare<[], { salt: unknown }>('SELECT salt FROM crowd_salt WHERE id = 1');
  const counted = (host: string, since: number): number => countSchema.parse(countRows.get(host, since)?.n ?? 0);
  // Counting a crowd reads every row of its window: in an outage storm, thousands per report. The count is
  // taken again at most once a second per host and kept up to date in between by this process's own new
  // reporters (other processes on the same file are seen at the next recount).
  const recent = new Map<string, { count: number; at: number }>();
  const report = database.transaction((host: string, reporter: string, now: number, windowMs: number): number => {
    const added = insertNew.run(host, reporter, now).changes > 0;
    if (!added) touch.run(now, host, reporter);
    const known = recent.get(host);
    if (known !== undefined && now >= known.at && now - known.at < RECOUNT_MS) {
      if (added) known.count += 1;
      return known.count;
    }
    prune.run(host, now - windowMs);
    const count = counted(host, now - windowMs);
    recent.delete(host);
    recent.set(host, { count, at: now });
    if (recent.size > MAX_MEMORY_HOSTS) recent.delete(recent.keys().next().value as string);
    return count;
  });
  const guard = <T>(what: string, work: () => T): T => {
    if (!database.open) throw new StorageError('storage_closed', `SQLite crowd store used after close() (${what}).`);
    try {
      return work();
    } catch (error) {
      throw new StorageError('storage_unavailable', `SQLite crowd store failed (${what}).`, { cause: error });
    }
  };
  let cachedSalt: string | undefined;
  return {
    async report(host, reporter, now, windowMs) {
      // Commits with the other writes of this turn of the event loop (sqlite-write-queue.ts).
      return queuedWrite(database, 'SQLite crowd store', () => report(hostKey(host), reporter, now, windowMs));
    },
    async count(host, now, windowMs) {
      return guard('count', () => counted(hostKey(host), now - windowMs));
    },
    async salt() {
      cachedSalt ??= guard('salt', () => {
        insertSalt.run(randomBytes(32).toString('base64url'));
        return saltSchema.parse(readSalt.get()?.salt);
      });
      return cachedSalt;
    },
  };
}

function createRedisCrowdStore(client: Extract<StorageBackend, { kind: 'redis' }>['client'], keyPrefix: string): CrowdStore {
  const keyOf = (host: string) => `${keyPrefix}crowd:${hostKey(host)}`;
  const saltKey = `${keyPrefix}crowd-salt`;
  const failed = (what: string, error: unknown) =>
    new StorageError('storage_unavailable', `Redis crowd store failed (${what}).`, { cause: error });
  let cachedSalt: string | undefined;
  return {
    async report(host, reporter, now, windowMs) {
      const key = keyOf(host);
      try {
        // One round trip, atomic: forget who asked before the window, note this person, count, and let the
        // whole set expire when nobody asks for a window.
        const results = await client
          .multi()
          .zremrangebyscore(key, '-inf', now - windowMs)
          .zadd(key, now, reporter)
          .zcard(key)
          .pexpire(key, windowMs)
          .exec();
        const card = results?.[2];
        if (!card || card[0]) throw card?.[0] ?? new Error('no answer');
        return countSchema.parse(card[1]);
      } catch (error) {
        throw failed('report', error);
      }
    },
    async count(host, now, windowMs) {
      try {
        return countSchema.parse(await client.zcount(keyOf(host), `(${now - windowMs}`, '+inf'));
      } catch (error) {
        throw failed('count', error);
      }
    },
    async salt() {
      if (cachedSalt) return cachedSalt;
      try {
        // The first instance to ask sets it; every other one reads the same value.
        await client.set(saltKey, randomBytes(32).toString('base64url'), 'NX');
        cachedSalt = saltSchema.parse(await client.get(saltKey));
        return cachedSalt;
      } catch (error) {
        throw failed('salt', error);
      }
    },
  };
}
