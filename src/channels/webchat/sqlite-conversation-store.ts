/**
 * The Direct Line log in the shared SQLite file: conversations, their activities and watermarks survive a
 * restart. Live events reach listeners of this process only (SQLite serves one instance; several instances
 * share Redis instead). Rows are validated on read: a row from another version or edited by hand is skipped.
 */
import { randomBytes } from 'node:crypto';
import type { SqliteDatabase } from '../../storage/sqlite-database';
import {
  activityIdFor,
  ConversationNotFoundError,
  createListenerRegistry,
  DEFAULT_CONVERSATION_LIMITS,
  DEFAULT_PERSISTENT_RETENTION_MS,
  pageAfter,
  readActivity,
  readRecord,
  type ConversationRecord,
  type ConversationStore,
  type DirectLineActivity,
  type LogEntry,
  type PersistentConversationStoreOptions,
} from './conversation-store';

/** Options of the SQLite store. */
export interface SqliteConversationStoreOptions extends PersistentConversationStoreOptions {
  /** How often conversations past their retention are deleted. Default ten minutes. */
  sweepIntervalMs?: number;
  /** Told when a background sweep fails (the next one tries again). */
  onSweepError?: (error: Error) => void;
  /**
   * Size (JSON characters) kept over all conversations; each sweep deletes the least recently active beyond
   * it, so a flood of chats cannot fill the disk within the retention. Default 256 MB.
   */
  maxTotalChars?: number;
}

/** A use refreshes `last_active_at` only when it is older than this: a polling client must not write every second. */
const TOUCH_GRANULARITY_MS = 60_000;
/** Conversations deleted per statement, so a sweep never holds the write lock for long. */
const SWEEP_BATCH = 200;

interface ConversationRow {
  record: string;
  last_watermark: number;
  chars: number;
  last_active_at: number;
}

interface ActivityRow {
  watermark: number;
  json: string;
  chars: number;
}

/** Builds the store on an open database (tables created if missing); `close()` stops the sweep, not the file. */
export function createSqliteConversationStore(
  database: SqliteDatabase,
  {
    maxActivities = DEFAULT_CONVERSATION_LIMITS.maxActivities,
    maxConversationChars = DEFAULT_CONVERSATION_LIMITS.maxConversationChars,
    maxAnswerChars = DEFAULT_CONVERSATION_LIMITS.maxAnswerChars,
    retentionMs = DEFAULT_PERSISTENT_RETENTION_MS,
    now = Date.now,
    sweepIntervalMs = 10 * 60 * 1000,
    onSweepError = () => undefined,
    maxTotalChars = 256 * 1024 * 1024,
  }: SqliteConversationStoreOptions = {},
): ConversationStore {
  database.exec(`
    CREATE TABLE IF NOT EXISTS webchat_conversations (
      id TEXT PRIMARY KEY,
      record TEXT NOT NULL,
      last_watermark INTEGER NOT NULL DEFAULT 0,
      chars INTEGER NOT NULL DEFAULT 0,
      last_active_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS webchat_conversations_last_active_at ON webchat_conversations (last_active_at);
    CREATE TABLE IF NOT EXISTS webchat_activities (
      conversation_id TEXT NOT NULL,
      watermark INTEGER NOT NULL,
      activity_id TEXT NOT NULL,
      json TEXT NOT NULL,
      chars INTEGER NOT NULL,
      PRIMARY KEY (conversation_id, watermark)
    );
    CREATE INDEX IF NOT EXISTS webchat_activities_activity_id ON webchat_activities (conversation_id, activity_id);
  `);
  const statements = {
    conversation: database.prepare<[string, number], ConversationRow>(
      'SELECT record, last_watermark, chars, last_active_at FROM webchat_conversations WHERE id = ? AND last_active_at > ?',
    ),
    insertConversation: database.prepare<[string, string, number]>(
      'INSERT INTO webchat_conversations (id, record, last_active_at) VALUES (?, ?, ?)',
    ),
    touch: database.prepare<[number, string, number]>(
      'UPDATE webchat_conversations SET last_active_at = ? WHERE id = ? AND last_active_at < ?',
    ),
    setCounters: database.prepare<[number, number, number, string]>(
      'UPDATE webchat_conversations SET last_watermark = ?, chars = ?, last_active_at = ? WHERE id = ?',
    ),
    insertActivity: database.prepare<[string, number, string, string, number]>(
      'INSERT INTO webchat_activities (conversation_id, watermark, activity_id, json, chars) VALUES (?, ?, ?, ?, ?)',
    ),
    oldest: database.prepare<[string], { watermark: number; chars: number }>(
      'SELECT watermark, chars FROM webchat_activities WHERE conversation_id = ? ORDER BY watermark',
    ),
    count: database.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM webchat_activities WHERE conversation_id = ?'),
    deleteActivity: database.prepare<[string, number]>('DELETE FROM webchat_activities WHERE conversation_id = ? AND watermark = ?'),
    byActivityId: database.prepare<[string, string], { watermark: number; chars: number }>(
      'SELECT watermark, chars FROM webchat_activities WHERE conversation_id = ? AND activity_id = ?',
    ),
    log: database.prepare<[string, number], ActivityRow>(
      'SELECT watermark, json, chars FROM webchat_activities WHERE conversation_id = ? AND watermark > ? ORDER BY watermark',
    ),
    expired: database.prepare<[number, number], { id: string }>('SELECT id FROM webchat_conversations WHERE last_active_at <= ? LIMIT ?'),
    totalChars: database.prepare<[], { total: number | null }>('SELECT SUM(chars) AS total FROM webchat_conversations'),
    leastRecent: database.prepare<[number], { id: string; chars: number }>(
      'SELECT id, chars FROM webchat_conversations ORDER BY last_active_at LIMIT ?',
    ),
    deleteConversation: database.prepare<[string]>('DELETE FROM webchat_conversations WHERE id = ?'),
    deleteLog: database.prepare<[string]>('DELETE FROM webchat_activities WHERE conversation_id = ?'),
  };
  const listeners = createListenerRegistry();
  // Transient ids only need to differ from each other; the random part keeps restarts from reusing them.
  const transientPrefix = randomBytes(4).toString('hex');
  let transientCounter = 0;

  const live = (conversationId: string): ConversationRow | undefined => statements.conversation.get(conversationId, now() - retentionMs);

  const mustGet = (conversationId: string): ConversationRow => {
    const row = live(conversationId);
    if (!row) throw new ConversationNotFoundError(conversationId);
    return row;
  };

  /** Appends `json` under the next watermark and trims the oldest beyond the budgets (never the newest). */
  const logRow = database.transaction(
    (conversationId: string, row: ConversationRow, build: (watermark: number) => { activityId: string; json: string }) => {
      const watermark = row.last_watermark + 1;
      const { activityId, json } = build(watermark);
      statements.insertActivity.run(conversationId, watermark, activityId, json, json.length);
      let chars = row.chars + json.length;
      let count = statements.count.get(conversationId)?.n ?? 0;
      if (count > maxActivities || chars > maxConversationChars) {
        for (const oldest of statements.oldest.all(conversationId)) {
          if (count <= 1 || (count <= maxActivities && chars <= maxConversationChars) || oldest.watermark === watermark) break;
          statements.deleteActivity.run(conversationId, oldest.watermark);
          chars -= oldest.chars;
          count -= 1;
        }
      }
      statements.setCounters.run(watermark, chars, now(), conversationId);
      return { watermark, json };
    },
  );

  const log = (conversationId: string, row: ConversationRow, build: (watermark: number) => { activityId: string; json: string }) => {
    const { watermark, json } = logRow(conversationId, row, build);
    const activity = JSON.parse(json) as DirectLineActivity;
    listeners.notify(conversationId, { kind: 'logged', activity, watermark });
    return activity;
  };

  /** Removes one logged activity by id inside a transaction; false when there is none. */
  const removeById = (conversationId: string, row: ConversationRow, activityId: string): boolean => {
    const found = statements.byActivityId.get(conversationId, activityId);
    if (!found) return false;
    statements.deleteActivity.run(conversationId, found.watermark);
    row.chars -= found.chars;
    statements.setCounters.run(row.last_watermark, row.chars, now(), conversationId);
    return true;
  };

  const replaceTx = database.transaction((conversationId: string, activity: DirectLineActivity) => {
    const row = mustGet(conversationId);
    if (!removeById(conversationId, row, activity.id)) return undefined;
    const { id, ...rest } = activity;
    return logRow(conversationId, row, () => ({ activityId: id, json: JSON.stringify({ ...rest, id }) }));
  });

  const drop = (ids: string[]): void => {
    database.transaction(() => {
      for (const id of ids) {
        statements.deleteLog.run(id);
        statements.deleteConversation.run(id);
      }
    })();
    for (const id of ids) listeners.notify(id, { kind: 'ended' });
  };

  /** Deletes expired conversations, then the least recently active while over the total size; batch by batch. */
  const sweep = async (): Promise<number> => {
    let removed = 0;
    for (;;) {
      if (!database.open) return removed;
      const ids = statements.expired.all(now() - retentionMs, SWEEP_BATCH).map((row) => row.id);
      if (ids.length === 0) break;
      drop(ids);
      removed += ids.length;
      // Let requests in between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (;;) {
      if (!database.open) return removed;
      let excess = (statements.totalChars.get()?.total ?? 0) - maxTotalChars;
      if (excess <= 0) return removed;
      const ids: string[] = [];
      for (const row of statements.leastRecent.all(SWEEP_BATCH)) {
        if (excess <= 0) break;
        ids.push(row.id);
        excess -= row.chars;
      }
      if (ids.length === 0) return removed;
      drop(ids);
      removed += ids.length;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const sweepTimer = setInterval(() => {
    sweep().catch((error: unknown) => onSweepError(error instanceof Error ? error : new Error(String(error))));
  }, sweepIntervalMs);
  sweepTimer.unref();

  return {
    async create({ conversationId, userId, locale }) {
      const existing = live(conversationId);
      const existingRecord = readRecord(existing?.record);
      if (existing && existingRecord) {
        statements.touch.run(now(), conversationId, now() - TOUCH_GRANULARITY_MS);
        return { created: false, conversation: existingRecord };
      }
      const record: ConversationRecord = {
        conversationId,
        ...(userId === undefined ? {} : { userId }),
        ...(locale === undefined ? {} : { locale }),
        createdAt: now(),
      };
      // An expired or unreadable row under the same id is replaced, with its log.
      database.transaction(() => {
        statements.deleteLog.run(conversationId);
        statements.deleteConversation.run(conversationId);
        statements.insertConversation.run(conversationId, JSON.stringify(record), now());
      })();
      return { created: true, conversation: record };
    },

    async get(conversationId) {
      const row = live(conversationId);
      const record = readRecord(row?.record);
      if (record) statements.touch.run(now(), conversationId, now() - TOUCH_GRANULARITY_MS);
      return record;
    },

    async append(conversationId, activity) {
      const row = mustGet(conversationId);
      const { id: _ignored, ...rest } = activity;
      return log(conversationId, row, (watermark) => {
        const id = activityIdFor(conversationId, watermark);
        return { activityId: id, json: JSON.stringify({ ...rest, id }) };
      });
    },

    async publish(conversationId, activity) {
      mustGet(conversationId);
      transientCounter += 1;
      const stored = {
        ...(JSON.parse(JSON.stringify(activity)) as object),
        id: `${conversationId}|t${transientPrefix}${transientCounter}`,
      };
      listeners.notify(conversationId, { kind: 'transient', activity: stored as DirectLineActivity });
      return stored as DirectLineActivity;
    },

    async replace(conversationId, activity) {
      const logged = replaceTx(conversationId, activity);
      if (!logged) return false;
      listeners.notify(conversationId, {
        kind: 'logged',
        activity: JSON.parse(logged.json) as DirectLineActivity,
        watermark: logged.watermark,
      });
      return true;
    },

    async remove(conversationId, activityId) {
      return database.transaction(() => removeById(conversationId, mustGet(conversationId), activityId))();
    },

    async activitiesAfter(conversationId, watermark) {
      const row = live(conversationId);
      if (!row || !readRecord(row.record)) return undefined;
      statements.touch.run(now(), conversationId, now() - TOUCH_GRANULARITY_MS);
      const entries: LogEntry[] = [];
      for (const stored of statements.log.iterate(conversationId, watermark ?? 0)) {
        const activity = readActivity(stored.json);
        // A row edited by hand or written by another version is skipped, never served half-read.
        if (activity) entries.push({ watermark: stored.watermark, activity, chars: stored.chars });
      }
      return pageAfter(entries, watermark, row.last_watermark, maxAnswerChars);
    },

    async subscribe(conversationId, listener) {
      listeners.add(conversationId, listener);
      return () => {
        listeners.remove(conversationId, listener);
      };
    },

    async close() {
      clearInterval(sweepTimer);
      listeners.clear();
    },
  };
}
