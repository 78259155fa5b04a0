/**
 * The Direct Line log in Redis, shared by every instance: per conversation a hash (the record, the last
 * watermark, the size kept) and a list of logged activities, both expiring after the retention. Writes are Lua
 * scripts, so a watermark is taken, the activity logged, the log trimmed and the event published in one atomic
 * step: every instance sees a conversation's events in watermark order. Live events travel on one Redis
 * channel per conversation, heard through a duplicated client that is subscribed only while this process
 * has a listener for that conversation.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import {
  ConversationNotFoundError,
  createListenerRegistry,
  DEFAULT_CONVERSATION_LIMITS,
  DEFAULT_PERSISTENT_RETENTION_MS,
  pageAfter,
  readRecord,
  storedActivitySchema,
  type ConversationEvent,
  type ConversationRecord,
  type ConversationStore,
  type DirectLineActivity,
  type LogEntry,
  type PersistentConversationStoreOptions,
} from './conversation-store';

/** Options of the Redis store. */
export interface RedisConversationStoreOptions extends PersistentConversationStoreOptions {
  /** The shared, connected client (`core.backend.client`); the store never closes it. */
  client: Redis;
  /** Prefix of every key and channel. Default `gd:`. */
  keyPrefix?: string;
  /** Told about errors of the subscriber connection (it reconnects and resubscribes on its own). */
  onSubscriberError?: (error: Error) => void;
}

/** The Redis store, with what its subscriber holds (for tests and metrics). */
export interface RedisConversationStore extends ConversationStore {
  /** Redis channels this process is subscribed to (one per conversation with a live listener here). */
  subscribedChannels(): number;
}

// The size of an entry is written right after its watermark, so the scripts read it without decoding JSON.
const ENTRY_CHARS = `tonumber(string.match(%s, '^{"w":%d+,"c":(%d+)')) or 0`;

const CREATE_SCRIPT = `
if ARGV[3] ~= '1' then
  local existing = redis.call('HGET', KEYS[1], 'record')
  if existing then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    redis.call('PEXPIRE', KEYS[2], ARGV[2])
    return {0, existing}
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'wm', 0, 'chars', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, ARGV[1]}
`;

// ARGV: mode ('a' append, 'r' replace), activity JSON, conversation id, entry replaced, max activities,
// max size, retention ms, channel. Append puts the id (conversation|watermark) first into the JSON.
const LOG_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local chars
if ARGV[1] == 'r' then
  if redis.call('LREM', KEYS[2], 1, ARGV[4]) == 0 then return 0 end
  redis.call('HINCRBY', KEYS[1], 'chars', 0 - (${ENTRY_CHARS.replace('%s', 'ARGV[4]')}))
end
local w = redis.call('HINCRBY', KEYS[1], 'wm', 1)
local a = ARGV[2]
if ARGV[1] == 'a' then
  a = '{"id":' .. cjson.encode(ARGV[3] .. '|' .. string.format('%07d', w)) .. ',' .. string.sub(a, 2)
end
local c = string.len(a)
chars = redis.call('HINCRBY', KEYS[1], 'chars', c)
local n = redis.call('RPUSH', KEYS[2], '{"w":' .. w .. ',"c":' .. c .. ',"a":' .. a .. '}')
while n > 1 and (n > tonumber(ARGV[5]) or chars > tonumber(ARGV[6])) do
  local old = redis.call('LPOP', KEYS[2])
  chars = redis.call('HINCRBY', KEYS[1], 'chars', 0 - (${ENTRY_CHARS.replace('%s', 'old')}))
  n = n - 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
redis.call('PUBLISH', ARGV[8], '{"kind":"logged","watermark":' .. w .. ',"activity":' .. a .. '}')
return {w, a}
`;

const REMOVE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('LREM', KEYS[2], 1, ARGV[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'chars', 0 - (${ENTRY_CHARS.replace('%s', 'ARGV[1]')}))
return 1
`;

const PUBLISH_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`;

/** The scripts with the number of keys each takes. */
const COMMANDS = {
  gdWebchatCreate: { lua: CREATE_SCRIPT, numberOfKeys: 2 },
  gdWebchatLog: { lua: LOG_SCRIPT, numberOfKeys: 2 },
  gdWebchatRemove: { lua: REMOVE_SCRIPT, numberOfKeys: 2 },
  gdWebchatPublish: { lua: PUBLISH_SCRIPT, numberOfKeys: 1 },
} as const;

type ScriptedClient = Record<keyof typeof COMMANDS, (...keysThenArgs: Array<string | number>) => Promise<unknown>>;

const entrySchema = z.object({ w: z.number().int().positive(), c: z.number().int().nonnegative(), a: storedActivitySchema });

const eventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('logged'), watermark: z.number().int().positive(), activity: storedActivitySchema }),
  z.object({ kind: z.literal('transient'), activity: storedActivitySchema }),
  z.object({ kind: z.literal('ended') }),
]);

/** Builds the store on the shared client; `close()` ends its own subscriber connection only. */
export function createRedisConversationStore({
  client,
  keyPrefix = 'gd:',
  maxActivities = DEFAULT_CONVERSATION_LIMITS.maxActivities,
  maxConversationChars = DEFAULT_CONVERSATION_LIMITS.maxConversationChars,
  maxAnswerChars = DEFAULT_CONVERSATION_LIMITS.maxAnswerChars,
  retentionMs = DEFAULT_PERSISTENT_RETENTION_MS,
  now = Date.now,
  onSubscriberError = () => undefined,
}: RedisConversationStoreOptions): RedisConversationStore {
  // defineCommand sends EVALSHA and falls back to EVAL after a server restart flushed the script cache.
  const defined = client as unknown as Record<string, unknown>;
  for (const [name, command] of Object.entries(COMMANDS)) {
    if (typeof defined[name] !== 'function') client.defineCommand(name, command);
  }
  const scripts = client as unknown as ScriptedClient;
  const keys = (conversationId: string): [string, string] => [
    `${keyPrefix}webchat:c:${conversationId}`,
    `${keyPrefix}webchat:l:${conversationId}`,
  ];
  const channelOf = (conversationId: string): string => `${keyPrefix}webchat:ev:${conversationId}`;
  const ttl = String(Math.ceil(retentionMs));

  const listeners = createListenerRegistry();
  const byChannel = new Map<string, string>();
  const subscribing = new Map<string, Promise<unknown>>();
  let subscriber: Redis | undefined;
  const transientPrefix = randomBytes(4).toString('hex');
  let transientCounter = 0;

  const subscriberClient = (): Redis => {
    if (subscriber) return subscriber;
    const duplicate = client.duplicate();
    duplicate.on('error', (error: Error) => onSubscriberError(error));
    duplicate.on('message', (channel: string, message: string) => {
      const conversationId = byChannel.get(channel);
      if (conversationId === undefined) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        return;
      }
      const event = eventSchema.safeParse(parsed);
      // Anyone with access to Redis can publish; only well-formed events reach the sockets.
      if (event.success) listeners.notify(conversationId, event.data as ConversationEvent);
    });
    subscriber = duplicate;
    return duplicate;
  };

  /** The log's entries, validated (unreadable ones skipped), with the raw strings for LREM. */
  const readEntries = (raw: string[]): { entry: LogEntry; raw: string }[] => {
    const entries: { entry: LogEntry; raw: string }[] = [];
    for (const text of raw) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        continue;
      }
      const entry = entrySchema.safeParse(parsed);
      if (entry.success) {
        entries.push({ entry: { watermark: entry.data.w, chars: entry.data.c, activity: entry.data.a as DirectLineActivity }, raw: text });
      }
    }
    return entries;
  };

  const findEntry = async (conversationId: string, activityId: string): Promise<string | undefined> => {
    const [, list] = keys(conversationId);
    const found = readEntries(await client.lrange(list, 0, -1)).find(({ entry }) => entry.activity.id === activityId);
    return found?.raw;
  };

  const create = async (record: ConversationRecord, force: boolean): Promise<{ created: boolean; json: string }> => {
    const reply = (await scripts.gdWebchatCreate(...keys(record.conversationId), JSON.stringify(record), ttl, force ? '1' : '0')) as [
      number,
      string,
    ];
    return { created: reply[0] === 1, json: reply[1] };
  };

  const log = async (
    conversationId: string,
    mode: 'a' | 'r',
    json: string,
    replaced = '',
  ): Promise<{ watermark: number; json: string } | -1 | 0> => {
    const reply = await scripts.gdWebchatLog(
      ...keys(conversationId),
      mode,
      json,
      conversationId,
      replaced,
      maxActivities,
      maxConversationChars,
      ttl,
      channelOf(conversationId),
    );
    if (reply === -1 || reply === 0) return reply;
    const [watermark, stored] = reply as [number, string];
    return { watermark, json: stored };
  };

  return {
    async create({ conversationId, userId, locale }) {
      const record: ConversationRecord = {
        conversationId,
        ...(userId === undefined ? {} : { userId }),
        ...(locale === undefined ? {} : { locale }),
        createdAt: now(),
      };
      const first = await create(record, false);
      const existing = readRecord(first.json);
      if (!first.created && existing) return { created: false, conversation: existing };
      // An unreadable record (another version, a hand edit) is replaced, with its log.
      if (!first.created) await create(record, true);
      return { created: true, conversation: record };
    },

    async get(conversationId) {
      const [hash, list] = keys(conversationId);
      const replies = await client.multi().hget(hash, 'record').pexpire(hash, ttl).pexpire(list, ttl).exec();
      return readRecord(replies?.[0]?.[1] as string | null | undefined);
    },

    async append(conversationId, activity) {
      const { id: _ignored, ...rest } = activity;
      const logged = await log(conversationId, 'a', JSON.stringify(rest));
      if (typeof logged === 'number') throw new ConversationNotFoundError(conversationId);
      return JSON.parse(logged.json) as DirectLineActivity;
    },

    async publish(conversationId, activity) {
      transientCounter += 1;
      const stored = {
        ...(JSON.parse(JSON.stringify(activity)) as object),
        id: `${conversationId}|t${transientPrefix}${transientCounter}`,
      };
      const message = JSON.stringify({ kind: 'transient', activity: stored });
      const [hash] = keys(conversationId);
      const published = await scripts.gdWebchatPublish(hash, channelOf(conversationId), message);
      if (published !== 1) throw new ConversationNotFoundError(conversationId);
      return stored as DirectLineActivity;
    },

    async replace(conversationId, activity) {
      const old = await findEntry(conversationId, activity.id);
      if (old === undefined) {
        if (!(await client.exists(keys(conversationId)[0]))) throw new ConversationNotFoundError(conversationId);
        return false;
      }
      const { id, ...rest } = activity;
      const logged = await log(conversationId, 'r', JSON.stringify({ id, ...rest }), old);
      if (logged === -1) throw new ConversationNotFoundError(conversationId);
      return logged !== 0;
    },

    async remove(conversationId, activityId) {
      const old = await findEntry(conversationId, activityId);
      if (old === undefined) {
        if (!(await client.exists(keys(conversationId)[0]))) throw new ConversationNotFoundError(conversationId);
        return false;
      }
      const removed = await scripts.gdWebchatRemove(...keys(conversationId), old);
      if (removed === -1) throw new ConversationNotFoundError(conversationId);
      return removed === 1;
    },

    async activitiesAfter(conversationId, watermark) {
      const [hash, list] = keys(conversationId);
      const replies = await client
        .multi()
        .hget(hash, 'record')
        .hget(hash, 'wm')
        .lrange(list, 0, -1)
        .pexpire(hash, ttl)
        .pexpire(list, ttl)
        .exec();
      if (!readRecord(replies?.[0]?.[1] as string | null | undefined)) return undefined;
      const lastWatermark = Number(replies?.[1]?.[1] ?? 0);
      const entries = readEntries((replies?.[2]?.[1] as string[] | undefined) ?? []).map(({ entry }) => entry);
      return pageAfter(entries, watermark, Number.isSafeInteger(lastWatermark) ? lastWatermark : 0, maxAnswerChars);
    },

    async subscribe(conversationId, listener) {
      const { first } = listeners.add(conversationId, listener);
      const channel = channelOf(conversationId);
      if (first) {
        byChannel.set(channel, conversationId);
        subscribing.set(conversationId, subscriberClient().subscribe(channel));
      }
      try {
        await subscribing.get(conversationId);
      } catch (error) {
        unsubscribe(conversationId, listener);
        throw error;
      }
      return () => unsubscribe(conversationId, listener);
    },

    async close() {
      listeners.clear();
      byChannel.clear();
      subscribing.clear();
      const closing = subscriber;
      subscriber = undefined;
      if (!closing) return;
      // quit() would wait for a connection that is not there (Redis down, reconnecting).
      if (closing.status !== 'ready') {
        closing.disconnect();
        return;
      }
      try {
        await closing.quit();
      } catch {
        closing.disconnect();
      }
    },

    subscribedChannels() {
      return byChannel.size;
    },
  };

  function unsubscribe(conversationId: string, listener: Parameters<ConversationStore['subscribe']>[1]): void {
    if (!listeners.remove(conversationId, listener).last) return;
    const channel = channelOf(conversationId);
    byChannel.delete(channel);
    subscribing.delete(conversationId);
    // A failed unsubscribe (connection gone) leaves nothing behind: a reconnect only resubscribes what is left.
    subscriber?.unsubscribe(channel).catch(() => undefined);
  }
}
