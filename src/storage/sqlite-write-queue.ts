/**
 * Group commit for SQLite. A turn writes several times (its activity's claim, the conversation's state, the
 * mark that it was answered, a crowd report), and each write used to be a transaction of its own. In WAL mode
 * a commit appends its pages to the log and, every thousand pages, checkpoints with an fsync: measured here,
 * 30-45 µs per small commit, against 5-8 µs per write when ten share one commit.
 *
 * So writes queued during one turn of the event loop run together in one `BEGIN IMMEDIATE` transaction at
 * the next `setImmediate`. Each write runs in its own savepoint: one that throws (a stale eTag) is rolled back
 * alone and rejects only its own caller. Every caller's promise settles after the COMMIT, so nobody is told
 * "saved" before the transaction is on disk; if the COMMIT itself fails, every write of the batch rejects.
 *
 * Reads are not queued: a reader who awaited its own write sees it, and writes of one conversation are
 * serialised by the turn lock anyway. All stores on one connection share its queue (`writeQueueOf`), so a
 * turn's writes to different tables commit together.
 */
import type { SqliteDatabase } from './sqlite-database';
import { StorageError, isStorageError } from './storage-errors';

/** Queues writes on one connection and commits them in groups. */
export interface SqliteWriteQueue {
  /**
   * Runs `work` (synchronous better-sqlite3 calls) inside the next group transaction; resolves with its
   * result once that transaction committed, rejects with what `work` threw or with the commit's failure.
   */
  run<T>(work: () => T): Promise<T>;
  /** Commits whatever is queued now, synchronously (before the connection is closed). */
  flush(): void;
}

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Most writes one transaction takes; more wait for the next one, so a flood cannot make one huge commit. */
const MAX_BATCH = 512;

const queues = new WeakMap<SqliteDatabase, SqliteWriteQueue>();

/** The write queue of a connection (created on first use). */
export function writeQueueOf(database: SqliteDatabase): SqliteWriteQueue {
  let queue = queues.get(database);
  if (!queue) {
    queue = createWriteQueue(database);
    queues.set(database, queue);
  }
  return queue;
}

/**
 * A store's write through its connection's queue. `what` names the store in errors: a closed file is
 * `storage_closed`; any other failure that is not already a StorageError (a stale eTag is one) becomes
 * `storage_unavailable`.
 */
export async function queuedWrite<T>(database: SqliteDatabase, what: string, work: () => T): Promise<T> {
  if (!database.open) throw new StorageError('storage_closed', `${what} used after close().`);
  try {
    return await writeQueueOf(database).run(work);
  } catch (error) {
    if (isStorageError(error)) throw error;
    throw new StorageError('storage_unavailable', `${what} failed.`, { cause: error });
  }
}

function createWriteQueue(database: SqliteDatabase): SqliteWriteQueue {
  const pending: Pending[] = [];
  let scheduled = false;
  // Called inside the group transaction, a better-sqlite3 transaction function becomes a savepoint.
  const savepoint = database.transaction((work: () => unknown) => work());
  const group = database.transaction((batch: Pending[], outcomes: Outcome[]) => {
    for (const entry of batch) {
      try {
        outcomes.push({ ok: true, value: savepoint(entry.work) });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
  });

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  function flush(): void {
    scheduled = false;
    commit(pending.splice(0, MAX_BATCH));
    // The rest waits for the next turn of the event loop, so the replies of this batch go out first.
    if (pending.length > 0) schedule();
  }

  function commit(batch: Pending[]): void {
    if (!database.open) {
      const closed = new StorageError('storage_closed', 'SQLite write queued after the file was closed.');
      for (const entry of batch) entry.reject(closed);
      return;
    }
    const outcomes: Outcome[] = [];
    try {
      // IMMEDIATE takes the write lock before any eTag check, so another process cannot slip in between.
      group.immediate(batch, outcomes);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) entry.resolve(outcome.value);
      else entry.reject(outcome?.error);
    });
  }

  return {
    run<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
    flush() {
      while (pending.length > 0) commit(pending.splice(0, MAX_BATCH));
    },
  };
}
