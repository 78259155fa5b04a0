/**
 * The two-way hand-off's cases: who asked (their conversation reference and language), the evidence, the
 * transcript, the status (waiting -> active -> ended) and where the help desk sees the case (the Slack
 * thread of its post, the Teams reply chain). Memory, SQLite or Redis on the connection STORAGE opened,
 * so every instance of the bot sees the same cases; every record is validated on read.
 *
 * Retention: a case holds what a person said and their conversation reference, so it is not kept for good.
 * It is deleted with its transcript and links `retentionMs` (STATE_TTL_DAYS) after its last change
 * (opened, answered, ended, a line added), like the conversation state it came from. A background sweep
 * deletes such cases every `sweepIntervalMs`, in batches.
 */
import type { ConversationReference } from 'botbuilder';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { HandoffSummary } from '../../../dialogs/types';
import { LOCALES, type LocaleId } from '../../contracts';
import type { StorageBackend } from '../../storage/create-storage';
import {
  DEFAULT_STATE_TTL_MS,
  DEFAULT_SWEEP_INTERVAL_MS,
  SWEEP_BATCH,
  checkRetentionMs,
  startSweeper,
  sweepInBatches,
} from '../../storage/retention';
import type { SqliteDatabase } from '../../storage/sqlite-database';

/** Where a case stands: nobody answered yet, an agent answered, or it is over. */
export type HandoffStatus = 'waiting' | 'active' | 'ended';

/** Who said a line of the case's transcript. */
export type TranscriptAuthor = 'person' | 'agent';

/** One line of a case's transcript after the hand-off. */
export interface TranscriptEntry {
  at: string;
  from: TranscriptAuthor;
  name?: string;
  text: string;
}

/** The Bot Framework conversation reference of the person, stored as JSON (what the proactive router needs). */
export type StoredReference = Partial<ConversationReference> & { channelId: string; conversation: ConversationReference['conversation'] };

/** Where the help desk sees the case, filled in once a target posted it. */
export interface HandoffLinks {
  /** The Slack post's channel and ts: replies in its thread reach the person. */
  slack?: { channel: string; ts: string };
  /** The Teams reply chain `<channel>;messageid=<id>` of the posted card. */
  teams?: { conversationId: string; serviceUrl: string };
}

/** One stored case. */
export interface HandoffRecord {
  id: string;
  createdAt: string;
  status: HandoffStatus;
  /** The person's conversation storage key (conv/<channel>/<id>): one open case per conversation. */
  conversationKey: string;
  reference: StoredReference;
  locale: LocaleId;
  source: { channelId: string; conversationId: string; userName?: string };
  summary: HandoffSummary;
  links: HandoffLinks;
  /** The name of the last agent who answered (shown to the person). */
  agentName?: string;
  endedBy?: 'person' | 'agent';
}

/** A case with its transcript. */
export interface HandoffCaseView extends HandoffRecord {
  transcript: TranscriptEntry[];
}

/** A case's transcript is capped: a flood of messages must not grow one record without bound. */
export const MAX_TRANSCRIPT = 200;

/** The storage of hand-off cases (one contract, three backends). */
export interface HandoffStore {
  create(record: HandoffRecord): Promise<void>;
  get(id: string): Promise<HandoffCaseView | undefined>;
  /** The open (waiting or active) case of a conversation. */
  openFor(conversationKey: string): Promise<HandoffRecord | undefined>;
  /** The case posted at a link (see `slackLink`, `teamsLink`), whatever its status. */
  byLink(link: string): Promise<HandoffRecord | undefined>;
  /** Records where a target posted the case and indexes those links. */
  setLinks(id: string, links: HandoffLinks): Promise<void>;
  /**
   * Moves a case to `to` only when it is in one of `from` (atomic across instances): true when this call
   * made the change, so exactly one caller announces it.
   */
  transition(
    id: string,
    from: readonly HandoffStatus[],
    to: HandoffStatus,
    patch?: { agentName?: string; endedBy?: 'person' | 'agent' },
  ): Promise<boolean>;
  append(id: string, entry: TranscriptEntry): Promise<void>;
  /** Waiting and active cases, newest first. */
  listOpen(limit: number): Promise<HandoffCaseView[]>;
  /** Deletes every case whose last change is older than the retention (the background sweep calls this); resolves to how many went. */
  sweep(): Promise<number>;
  /** Stops the background sweep; the store keeps working. */
  close(): void;
}

/** Retention of hand-off cases. */
export interface HandoffRetentionOptions {
  /** How long a case is kept after its last change. Default 30 days (STATE_TTL_DAYS). */
  retentionMs?: number;
  /** How often the sweep runs. Default one hour. */
  sweepIntervalMs?: number;
  /** Told when a background sweep fails (the next one tries again). */
  onSweepError?: (error: Error) => void;
  /** The clock, replaceable in tests. */
  now?: () => number;
}

/** The store without its sweeper, and the sweep it needs. */
type BareStore = Omit<HandoffStore, 'sweep' | 'close'> & { sweep(cutoff: number): Promise<number> };

function withRetention(
  bare: BareStore,
  {
    retentionMs = DEFAULT_STATE_TTL_MS,
    sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS,
    onSweepError,
    now = Date.now,
  }: HandoffRetentionOptions,
): HandoffStore {
  const keep = checkRetentionMs('retentionMs', retentionMs);
  const sweep = () => bare.sweep(now() - keep);
  const sweeper = startSweeper(sweepIntervalMs, sweep, onSweepError);
  return { ...bare, sweep, close: () => sweeper.stop() };
}

/** The index key of a Slack post's thread. */
export function slackLink(channel: string, ts: string): string {
  return `slack:${channel}:${ts}`;
}

/** The index key of a Teams reply chain. */
export function teamsLink(conversationId: string): string {
  return `teams:${conversationId}`;
}

function linkKeys(links: HandoffLinks): string[] {
  return [
    ...(links.slack ? [slackLink(links.slack.channel, links.slack.ts)] : []),
    ...(links.teams ? [teamsLink(links.teams.conversationId)] : []),
  ];
}

const statusSchema = z.enum(['waiting', 'active', 'ended']);
const linksSchema = z.object({
  slack: z.object({ channel: z.string(), ts: z.string() }).optional(),
  teams: z.object({ conversationId: z.string(), serviceUrl: z.string() }).optional(),
});
// The summary is the machine's digest; only the fields the inbox and targets read are required.
const summarySchema = z
  .object({
    locale: z.string(),
    probes: z.array(z.object({ checkedAt: z.string(), verdict: z.string(), advice: z.string() }).passthrough()),
    stepsTried: z.array(z.object({ step: z.string(), answer: z.string() }).passthrough()),
    causes: z.array(z.string()),
    lastMessages: z.array(z.string()),
  })
  .passthrough();
const recordSchema = z.object({
  id: z.string().min(1),
  createdAt: z.string(),
  status: statusSchema,
  conversationKey: z.string().min(1),
  reference: z.object({ channelId: z.string(), conversation: z.object({ id: z.string() }).passthrough() }).passthrough(),
  locale: z.enum(LOCALES),
  source: z.object({ channelId: z.string(), conversationId: z.string(), userName: z.string().optional() }),
  summary: summarySchema,
  links: linksSchema,
  agentName: z.string().optional(),
  endedBy: z.enum(['person', 'agent']).optional(),
});
const entrySchema = z.object({ at: z.string(), from: z.enum(['person', 'agent']), name: z.string().optional(), text: z.string() });

/** A stored record, or undefined when it is not one (an older or damaged record is skipped, never thrown). */
function parseRecord(value: unknown): HandoffRecord | undefined {
  const parsed = recordSchema.safeParse(value);
  return parsed.success ? (parsed.data as unknown as HandoffRecord) : undefined;
}

function parseEntries(values: unknown[]): TranscriptEntry[] {
  return values.flatMap((value) => {
    const parsed = entrySchema.safeParse(value);
    return parsed.success ? [parsed.data] : [];
  });
}

function parseJson(text: string | null | undefined): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const isOpen = (status: HandoffStatus): boolean => status === 'waiting' || status === 'active';

/** Builds the store on the connection STORAGE opened. */
export function createHandoffStore(backend: StorageBackend, options: HandoffRetentionOptions = {}): HandoffStore {
  switch (backend.kind) {
    case 'memory':
      return createMemoryHandoffStore(options);
    case 'sqlite':
      return createSqliteHandoffStore(backend.database, options);
    case 'redis':
      return createRedisHandoffStore(backend.client, backend.keyPrefix, options);
  }
}

/** One process only (tests, `STORAGE=memory`). */
export function createMemoryHandoffStore(options: HandoffRetentionOptions = {}): HandoffStore {
  const now = options.now ?? Date.now;
  const records = new Map<string, HandoffRecord>();
  const transcripts = new Map<string, TranscriptEntry[]>();
  const links = new Map<string, string>();
  const touched = new Map<string, number>();
  const touch = (id: string) => touched.set(id, now());
  // Copies in and out, so callers never share objects with the store (as with the other backends).
  const copy = <T>(value: T): T => structuredClone(value);
  const view = (record: HandoffRecord): HandoffCaseView => ({ ...copy(record), transcript: copy(transcripts.get(record.id) ?? []) });
  const bare: BareStore = {
    async create(record) {
      records.set(record.id, copy(record));
      transcripts.set(record.id, []);
      touch(record.id);
    },
    async get(id) {
      const record = records.get(id);
      return record ? view(record) : undefined;
    },
    async openFor(conversationKey) {
      const open = [...records.values()].filter((r) => r.conversationKey === conversationKey && isOpen(r.status));
      const latest = open.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
      return latest ? copy(latest) : undefined;
    },
    async byLink(link) {
      const id = links.get(link);
      const record = id ? records.get(id) : undefined;
      return record ? copy(record) : undefined;
    },
    async setLinks(id, next) {
      const record = records.get(id);
      if (!record) return;
      record.links = { ...record.links, ...copy(next) };
      for (const key of linkKeys(next)) links.set(key, id);
      touch(id);
    },
    async transition(id, from, to, patch = {}) {
      const record = records.get(id);
      if (!record || !from.includes(record.status)) return false;
      Object.assign(record, { status: to }, patch);
      touch(id);
      return true;
    },
    async append(id, entry) {
      const list = transcripts.get(id);
      if (!list) return;
      list.push(copy(entry));
      if (list.length > MAX_TRANSCRIPT) list.splice(0, list.length - MAX_TRANSCRIPT);
      touch(id);
    },
    async listOpen(limit) {
      return [...records.values()]
        .filter((r) => isOpen(r.status))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .slice(0, limit)
        .map(view);
    },
    async sweep(cutoff) {
      let removed = 0;
      for (const [id, at] of touched) {
        if (at > cutoff) continue;
        records.delete(id);
        transcripts.delete(id);
        touched.delete(id);
        removed += 1;
      }
      for (const [link, id] of links) if (!records.has(id)) links.delete(link);
      return removed;
    },
  };
  return withRetention(bare, { ...options, now });
}

/** Tables in the shared SQLite file; better-sqlite3 is synchronous, so each method is one transaction. */
export function createSqliteHandoffStore(database: SqliteDatabase, options: HandoffRetentionOptions = {}): HandoffStore {
  const now = options.now ?? Date.now;
  database.exec(`
    CREATE TABLE IF NOT EXISTS handoff_cases (
      id TEXT PRIMARY KEY,
      conversation_key TEXT NOT NULL,
      status TEXT NOT NULL,
      created_at TEXT NOT NULL,
      record TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS handoff_cases_conversation ON handoff_cases (conversation_key, status);
    CREATE INDEX IF NOT EXISTS handoff_cases_status ON handoff_cases (status, created_at);
    CREATE TABLE IF NOT EXISTS handoff_links (link TEXT PRIMARY KEY, case_id TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS handoff_transcript (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      case_id TEXT NOT NULL,
      entry TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS handoff_transcript_case ON handoff_transcript (case_id, seq);
  `);
  // Files of the first version have no updated_at: each of their cases counts as last changed when it opened.
  const columns = database.prepare<[], { name: string }>('PRAGMA table_info(handoff_cases)').all();
  if (!columns.some((column) => column.name === 'updated_at')) {
    database.exec(`
      ALTER TABLE handoff_cases ADD COLUMN updated_at INTEGER;
      UPDATE handoff_cases SET updated_at = CAST(ROUND((julianday(created_at) - 2440587.5) * 86400000) AS INTEGER) WHERE updated_at IS NULL;
    `);
  }
  database.exec('CREATE INDEX IF NOT EXISTS handoff_cases_updated_at ON handoff_cases (updated_at)');
  const insert = database.prepare(
    'INSERT INTO handoff_cases (id, conversation_key, status, created_at, record, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const selectOne = database.prepare<[string], { record: string }>('SELECT record FROM handoff_cases WHERE id = ?');
  const selectOpenFor = database.prepare<[string], { record: string }>(
    "SELECT record FROM handoff_cases WHERE conversation_key = ? AND status IN ('waiting', 'active') ORDER BY created_at DESC LIMIT 1",
  );
  const selectLink = database.prepare<[string], { case_id: string }>('SELECT case_id FROM handoff_links WHERE link = ?');
  const upsertLink = database.prepare('INSERT OR REPLACE INTO handoff_links (link, case_id) VALUES (?, ?)');
  const update = database.prepare('UPDATE handoff_cases SET status = ?, record = ?, updated_at = ? WHERE id = ?');
  const touch = database.prepare('UPDATE handoff_cases SET updated_at = ? WHERE id = ?');
  const selectExpired = database.prepare<[number, number], { id: string }>(
    'SELECT id FROM handoff_cases WHERE updated_at IS NULL OR updated_at <= ? ORDER BY updated_at LIMIT ?',
  );
  const deleteCase = database.prepare('DELETE FROM handoff_cases WHERE id = ?');
  const deleteLinks = database.prepare('DELETE FROM handoff_links WHERE case_id = ?');
  const deleteEntries = database.prepare('DELETE FROM handoff_transcript WHERE case_id = ?');
  const insertEntry = database.prepare('INSERT INTO handoff_transcript (case_id, entry) VALUES (?, ?)');
  const trimEntries = database.prepare(
    'DELETE FROM handoff_transcript WHERE case_id = ? AND seq NOT IN (SELECT seq FROM handoff_transcript WHERE case_id = ? ORDER BY seq DESC LIMIT ?)',
  );
  const selectEntries = database.prepare<[string], { entry: string }>(
    'SELECT entry FROM handoff_transcript WHERE case_id = ? ORDER BY seq',
  );
  const selectOpen = database.prepare<[number], { record: string }>(
    "SELECT record FROM handoff_cases WHERE status IN ('waiting', 'active') ORDER BY created_at DESC LIMIT ?",
  );

  const read = (id: string): HandoffRecord | undefined => parseRecord(parseJson(selectOne.get(id)?.record));
  const withTranscript = (record: HandoffRecord): HandoffCaseView => ({
    ...record,
    transcript: parseEntries(selectEntries.all(record.id).map((row) => parseJson(row.entry))),
  });
  const setLinks = database.transaction((id: string, next: HandoffLinks) => {
    const record = read(id);
    if (!record) return;
    const merged = { ...record, links: { ...record.links, ...next } };
    update.run(merged.status, JSON.stringify(merged), now(), id);
    for (const key of linkKeys(next)) upsertLink.run(key, id);
  });
  const transition = database.transaction((id: string, from: readonly HandoffStatus[], to: HandoffStatus, patch: object): boolean => {
    const record = read(id);
    if (!record || !from.includes(record.status)) return false;
    const next = { ...record, ...patch, status: to };
    update.run(to, JSON.stringify(next), now(), id);
    return true;
  });
  const append = database.transaction((id: string, entry: TranscriptEntry) => {
    insertEntry.run(id, JSON.stringify(entry));
    trimEntries.run(id, id, MAX_TRANSCRIPT);
    touch.run(now(), id);
  });
  const sweepBatch = database.transaction((cutoff: number, limit: number): number => {
    const ids = selectExpired.all(cutoff, limit).map((row) => row.id);
    for (const id of ids) {
      deleteEntries.run(id);
      deleteLinks.run(id);
      deleteCase.run(id);
    }
    return ids.length;
  });
  const bare: BareStore = {
    async create(record) {
      insert.run(record.id, record.conversationKey, record.status, record.createdAt, JSON.stringify(record), now());
    },
    async get(id) {
      const record = read(id);
      return record ? withTranscript(record) : undefined;
    },
    async openFor(conversationKey) {
      return parseRecord(parseJson(selectOpenFor.get(conversationKey)?.record));
    },
    async byLink(link) {
      const id = selectLink.get(link)?.case_id;
      return id ? read(id) : undefined;
    },
    async setLinks(id, next) {
      setLinks(id, next);
    },
    async transition(id, from, to, patch = {}) {
      return transition(id, from, to, patch);
    },
    async append(id, entry) {
      append(id, entry);
    },
    async listOpen(limit) {
      return selectOpen.all(limit).flatMap((row) => {
        const record = parseRecord(parseJson(row.record));
        return record ? [withTranscript(record)] : [];
      });
    },
    async sweep(cutoff) {
      return sweepInBatches(
        () => database.open,
        (limit) => sweepBatch(cutoff, limit),
      );
    },
  };
  return withRetention(bare, { ...options, now });
}

/**
 * Compare-and-set of a case's status (hash field `status`); ARGV: to, patch JSON, the allowed statuses, the id., with the patch's string fields set alongside.
 * The record's JSON is never decoded in Lua: cjson would turn its empty arrays into objects.
 */
const TRANSITION_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return 0 end
for i = 3, #ARGV - 1 do
  if current == ARGV[i] then
    redis.call('HSET', KEYS[1], 'status', ARGV[1])
    local patch = cjson.decode(ARGV[2])
    for k, v in pairs(patch) do redis.call('HSET', KEYS[1], k, v) end
    if ARGV[1] == 'ended' then redis.call('ZREM', KEYS[2], ARGV[#ARGV]) end
    return 1
  end
end
return 0
`;

/**
 * Keys under the deployment's prefix: `handoff:case:<id>` (a hash: the record's JSON as created, and its
 * changing fields `status`, `agentName`, `endedBy`, `slack`, `teams`), `handoff:conv:<key>`,
 * `handoff:link:<link>`, `handoff:log:<id>` (the transcript), `handoff:open` (open ids by creation) and
 * `handoff:touched` (every id by its last change, for the retention sweep).
 */
export function createRedisHandoffStore(client: Redis, keyPrefix: string, options: HandoffRetentionOptions = {}): HandoffStore {
  const now = options.now ?? Date.now;
  const caseKey = (id: string) => `${keyPrefix}handoff:case:${id}`;
  const convKey = (conversationKey: string) => `${keyPrefix}handoff:conv:${conversationKey}`;
  const linkKey = (link: string) => `${keyPrefix}handoff:link:${link}`;
  const logKey = (id: string) => `${keyPrefix}handoff:log:${id}`;
  const openKey = `${keyPrefix}handoff:open`;
  const touchedKey = `${keyPrefix}handoff:touched`;

  const read = async (id: string): Promise<HandoffRecord | undefined> => {
    const hash = await client.hgetall(caseKey(id));
    const base = parseJson(hash.record);
    if (!base || typeof base !== 'object') return undefined;
    const slack = parseJson(hash.slack);
    const teams = parseJson(hash.teams);
    const baseLinks = (base as { links?: unknown }).links;
    return parseRecord({
      ...base,
      ...(hash.status ? { status: hash.status } : {}),
      ...(hash.agentName ? { agentName: hash.agentName } : {}),
      ...(hash.endedBy ? { endedBy: hash.endedBy } : {}),
      links: {
        ...(baseLinks && typeof baseLinks === 'object' ? baseLinks : {}),
        ...(slack ? { slack } : {}),
        ...(teams ? { teams } : {}),
      },
    });
  };
  const withTranscript = async (record: HandoffRecord): Promise<HandoffCaseView> => ({
    ...record,
    transcript: parseEntries((await client.lrange(logKey(record.id), 0, -1)).map(parseJson)),
  });
  const bare: BareStore = {
    async create(record) {
      await client
        .multi()
        .hset(caseKey(record.id), { record: JSON.stringify(record), status: record.status })
        .set(convKey(record.conversationKey), record.id)
        .zadd(openKey, Date.parse(record.createdAt) || 0, record.id)
        .zadd(touchedKey, now(), record.id)
        .exec();
    },
    async get(id) {
      const record = await read(id);
      return record ? withTranscript(record) : undefined;
    },
    async openFor(conversationKey) {
      const id = await client.get(convKey(conversationKey));
      const record = id ? await read(id) : undefined;
      return record && isOpen(record.status) ? record : undefined;
    },
    async byLink(link) {
      const id = await client.get(linkKey(link));
      return id ? read(id) : undefined;
    },
    async setLinks(id, next) {
      const multi = client.multi();
      if (next.slack) multi.hset(caseKey(id), 'slack', JSON.stringify(next.slack));
      if (next.teams) multi.hset(caseKey(id), 'teams', JSON.stringify(next.teams));
      for (const key of linkKeys(next)) multi.set(linkKey(key), id);
      multi.zadd(touchedKey, now(), id);
      await multi.exec();
    },
    async transition(id, from, to, patch = {}) {
      const fields = Object.fromEntries(Object.entries(patch).filter(([, value]) => typeof value === 'string'));
      const changed = await client.eval(TRANSITION_SCRIPT, 2, caseKey(id), openKey, to, JSON.stringify(fields), ...from, id);
      if (changed === 1) await client.zadd(touchedKey, now(), id);
      return changed === 1;
    },
    async append(id, entry) {
      await client
        .multi()
        .rpush(logKey(id), JSON.stringify(entry))
        .ltrim(logKey(id), -MAX_TRANSCRIPT, -1)
        .zadd(touchedKey, now(), id)
        .exec();
    },
    async listOpen(limit) {
      const ids = await client.zrevrange(openKey, 0, Math.max(0, limit - 1));
      const views: HandoffCaseView[] = [];
      for (const id of ids) {
        const record = await read(id);
        if (record && isOpen(record.status)) views.push(await withTranscript(record));
      }
      return views;
    },
    async sweep(cutoff) {
      let removed = 0;
      for (;;) {
        const ids = await client.zrangebyscore(touchedKey, '-inf', cutoff, 'LIMIT', 0, SWEEP_BATCH);
        for (const id of ids) {
          const record = await read(id);
          const multi = client.multi().del(caseKey(id), logKey(id)).zrem(openKey, id).zrem(touchedKey, id);
          if (record) {
            for (const key of linkKeys(record.links)) multi.del(linkKey(key));
            // The conversation's pointer goes only when it still names this case (a newer case may have replaced it).
            if ((await client.get(convKey(record.conversationKey))) === id) multi.del(convKey(record.conversationKey));
          }
          await multi.exec();
        }
        removed += ids.length;
        if (ids.length < SWEEP_BATCH) return removed;
      }
    },
  };
  return withRetention(bare, { ...options, now });
}
