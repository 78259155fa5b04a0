/**
 * The Direct Line conversation log: per conversation, an append-only list of activities, each with a
 * watermark one higher than the last. A client that comes back with the last watermark it saw gets exactly
 * what came after it. Three variants share this interface and its limits: in memory (one process), SQLite
 * (survives a restart) and Redis (survives restarts and is shared by every instance); see
 * docs/webchat-sessions.md.
 */
import { z } from 'zod';

/** An activity as clients receive it: plain JSON, with the id the store gave it. */
export interface DirectLineActivity {
  id: string;
  type: string;
  [field: string]: unknown;
}

/** An activity about to be stored: the store assigns its `id`. */
export interface NewActivity {
  type: string;
  id?: undefined;
  [field: string]: unknown;
}

/** Direct Line's ActivitySet; `watermark` is absent for activities that were never logged (typing). */
export interface ActivitySet {
  activities: DirectLineActivity[];
  watermark?: string;
}

/** What the store knows about a conversation besides its activities. */
export interface ConversationRecord {
  conversationId: string;
  userId?: string;
  locale?: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** What live listeners (the WebSocket stream) are told; `ended` when the store dropped the conversation. */
export type ConversationEvent =
  | { kind: 'logged'; activity: DirectLineActivity; watermark: number }
  | { kind: 'transient'; activity: DirectLineActivity }
  | { kind: 'ended' };

export type ConversationListener = (event: ConversationEvent) => void;

/** Failures callers branch on. */
export class ConversationNotFoundError extends Error {
  readonly code = 'conversation_not_found';
  constructor(readonly conversationId: string) {
    super('No such conversation (it never existed or was dropped after being idle).');
    this.name = 'ConversationNotFoundError';
  }
}

/** The activity log behind the Direct Line routes, the adapter and the stream. */
export interface ConversationStore {
  /** Creates the conversation unless it exists; `created` says which happened. */
  create(conversation: Omit<ConversationRecord, 'createdAt'>): Promise<{ created: boolean; conversation: ConversationRecord }>;
  get(conversationId: string): Promise<ConversationRecord | undefined>;
  /** Logs an activity under a new watermark; throws ConversationNotFoundError for an unknown conversation. */
  append(conversationId: string, activity: NewActivity): Promise<DirectLineActivity>;
  /** Shows an activity to live listeners only (typing indicators): it never enters the log. */
  publish(conversationId: string, activity: NewActivity): Promise<DirectLineActivity>;
  /** Replaces the logged activity with the same id; it moves to a new watermark so clients see the change. */
  replace(conversationId: string, activity: DirectLineActivity): Promise<boolean>;
  /** Drops a logged activity (clients that already have it keep it). */
  remove(conversationId: string, activityId: string): Promise<boolean>;
  /**
   * Activities after `watermark` (all when undefined), at most one answer's worth: when more remain, the
   * watermark is that of the last activity included and the client fetches the rest with it. Undefined for
   * an unknown conversation.
   */
  activitiesAfter(conversationId: string, watermark: number | undefined): Promise<ActivitySet | undefined>;
  /**
   * Live events for one conversation; resolves, once events are flowing (for Redis: once the channel is
   * subscribed), to the unsubscribe function. Read the backlog after it resolves so nothing falls in between.
   */
  subscribe(conversationId: string, listener: ConversationListener): Promise<() => void>;
  /** Stops background work (the idle sweep); the store still answers afterwards. */
  close(): Promise<void>;
}

export interface MemoryConversationStoreOptions {
  /** Activities kept per conversation; older ones are dropped first. */
  maxActivities?: number;
  /** Size (JSON characters) kept per conversation; older activities are dropped first. */
  maxConversationChars?: number;
  /** Size (JSON characters) kept over all conversations; the least recently active conversation goes first. */
  maxTotalChars?: number;
  /** Conversations kept at all; the least recently active is dropped first. */
  maxConversations?: number;
  /** A conversation untouched for this long is dropped. */
  idleMs?: number;
  /** Largest answer of `activitiesAfter` (JSON characters); one activity is always included so clients progress. */
  maxAnswerChars?: number;
  /** How often idle conversations are looked for while any exist (0: only when the store is used). */
  sweepIntervalMs?: number;
  now?: () => number;
}

/** The in-process store, with what it holds for metrics and tests. */
export interface MemoryConversationStore extends ConversationStore {
  stats(): { conversations: number; activities: number; chars: number };
}

/** One logged activity with its watermark, as every variant keeps it. */
export interface LogEntry {
  watermark: number;
  activity: DirectLineActivity;
  /** JSON length of the activity: what the size budgets count. */
  chars: number;
}

interface MemoryConversation {
  record: ConversationRecord;
  entries: LogEntry[];
  chars: number;
  lastWatermark: number;
  lastActiveAt: number;
  listeners: Set<ConversationListener>;
}

/** The per-conversation limits every variant keeps (the memory store's own defaults). */
export const DEFAULT_CONVERSATION_LIMITS = {
  maxActivities: 200,
  maxConversationChars: 512 * 1024,
  maxAnswerChars: 256 * 1024,
} as const;

/**
 * How long the SQLite and Redis stores keep a conversation after its last use: the longest a watch waits
 * before its proactive answer (24 hours), so "it's back" always finds its conversation; never longer than
 * STATE_TTL_DAYS (the caller caps it).
 */
export const DEFAULT_PERSISTENT_RETENTION_MS = 24 * 60 * 60 * 1000;

/** The limits of the SQLite and Redis stores. */
export interface PersistentConversationStoreOptions {
  /** Activities kept per conversation; older ones are dropped first. */
  maxActivities?: number;
  /** Size (JSON characters; UTF-8 bytes in Redis) kept per conversation; older activities are dropped first. */
  maxConversationChars?: number;
  /** Largest answer of `activitiesAfter` (JSON characters); one activity is always included so clients progress. */
  maxAnswerChars?: number;
  /** A conversation unused for this long is gone. */
  retentionMs?: number;
  now?: () => number;
}

/** What a stored conversation record must look like; anything else (an older version, a hand edit) is unknown. */
export const storedRecordSchema = z.object({
  conversationId: z.string().min(1),
  userId: z.string().min(1).optional(),
  locale: z.string().min(1).optional(),
  createdAt: z.number(),
});

/** What a stored activity must look like to be served; others are skipped. */
export const storedActivitySchema = z.looseObject({ id: z.string().min(1), type: z.string().min(1) });

/** A stored record, validated; undefined when it is missing or unreadable. */
export function readRecord(json: string | null | undefined): ConversationRecord | undefined {
  if (typeof json !== 'string') return undefined;
  const parsed = storedRecordSchema.safeParse(safeJson(json));
  return parsed.success ? dropUndefinedFields(parsed.data) : undefined;
}

/** A stored activity, validated; undefined when it is unreadable (the caller skips it). */
export function readActivity(json: string): DirectLineActivity | undefined {
  const parsed = storedActivitySchema.safeParse(safeJson(json));
  return parsed.success ? (parsed.data as DirectLineActivity) : undefined;
}

function safeJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

function dropUndefinedFields(record: z.infer<typeof storedRecordSchema>): ConversationRecord {
  const { conversationId, userId, locale, createdAt } = record;
  return { conversationId, ...(userId === undefined ? {} : { userId }), ...(locale === undefined ? {} : { locale }), createdAt };
}

/**
 * One answer of `activitiesAfter` from a conversation's entries (in watermark order): at most `maxAnswerChars`
 * but never empty while something remains, so a client always progresses.
 */
export function pageAfter(
  entries: Iterable<LogEntry>,
  watermark: number | undefined,
  lastWatermark: number,
  maxAnswerChars: number,
): ActivitySet {
  const from = watermark ?? 0;
  const activities: DirectLineActivity[] = [];
  let chars = 0;
  let last = from;
  for (const entry of entries) {
    if (entry.watermark <= from) continue;
    if (activities.length > 0 && chars + entry.chars > maxAnswerChars) {
      // The rest comes with the next request, from the watermark of the last activity included here.
      return { activities, watermark: String(last) };
    }
    activities.push(entry.activity);
    chars += entry.chars;
    last = entry.watermark;
  }
  return { activities, watermark: String(lastWatermark) };
}

/** Live listeners of this process, per conversation; a listener that throws is dropped, never the writer. */
export interface ListenerRegistry {
  /** Adds a listener; `first` says it is the conversation's first (time to subscribe upstream). */
  add(conversationId: string, listener: ConversationListener): { first: boolean };
  /** Removes a listener; `last` says the conversation has none left (time to unsubscribe upstream). */
  remove(conversationId: string, listener: ConversationListener): { last: boolean };
  notify(conversationId: string, event: ConversationEvent): void;
  /** Conversations with at least one listener. */
  conversations(): string[];
  clear(): void;
}

/** Builds an empty registry. */
export function createListenerRegistry(): ListenerRegistry {
  const byConversation = new Map<string, Set<ConversationListener>>();
  return {
    add(conversationId, listener) {
      const existing = byConversation.get(conversationId);
      if (existing) {
        existing.add(listener);
        return { first: false };
      }
      byConversation.set(conversationId, new Set([listener]));
      return { first: true };
    },
    remove(conversationId, listener) {
      const listeners = byConversation.get(conversationId);
      if (!listeners?.delete(listener)) return { last: false };
      if (listeners.size > 0) return { last: false };
      byConversation.delete(conversationId);
      return { last: true };
    },
    notify(conversationId, event) {
      const listeners = byConversation.get(conversationId);
      for (const listener of [...(listeners ?? [])]) {
        try {
          listener(event);
        } catch {
          // A listener's failure (a socket that broke mid-send) is its own business, never the writer's; it
          // stays registered until its owner unsubscribes, so the upstream subscription count stays right.
        }
      }
    },
    conversations: () => [...byConversation.keys()],
    clear: () => byConversation.clear(),
  };
}

/** Direct Line's id shape: the conversation, a bar, and a zero-padded sequence number. */
export function activityIdFor(conversationId: string, sequence: number): string {
  return `${conversationId}|${String(sequence).padStart(7, '0')}`;
}

/** A watermark from a query string: undefined for none, null for garbage. */
export function parseWatermark(value: unknown): number | undefined | null {
  if (value === undefined || value === '' || value === '-') return undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}

/**
 * The in-process store, bounded in activities and size per conversation, in conversations and total size,
 * and in idle time. Idle conversations are swept by an unref'd timer while any exist, so memory is given
 * back even when no request arrives; `close()` stops it.
 */
export function createMemoryConversationStore({
  maxActivities = DEFAULT_CONVERSATION_LIMITS.maxActivities,
  maxConversationChars = DEFAULT_CONVERSATION_LIMITS.maxConversationChars,
  maxTotalChars = 32 * 1024 * 1024,
  maxConversations = 5000,
  idleMs = 60 * 60 * 1000,
  maxAnswerChars = DEFAULT_CONVERSATION_LIMITS.maxAnswerChars,
  sweepIntervalMs = 60_000,
  now = Date.now,
}: MemoryConversationStoreOptions = {}): MemoryConversationStore {
  // Map order doubles as recency order: touching a conversation moves it to the end.
  const conversations = new Map<string, MemoryConversation>();
  let transientCounter = 0;
  let totalChars = 0;
  let totalActivities = 0;
  let sweepTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const notify = (conversation: MemoryConversation, event: ConversationEvent): void => {
    for (const listener of [...conversation.listeners]) {
      // A listener's failure (a socket that broke mid-send) is its own business, never the writer's.
      try {
        listener(event);
      } catch {
        conversation.listeners.delete(listener);
      }
    }
  };

  const drop = (id: string, conversation: MemoryConversation): void => {
    conversations.delete(id);
    totalChars -= conversation.chars;
    totalActivities -= conversation.entries.length;
    notify(conversation, { kind: 'ended' });
    conversation.listeners.clear();
    if (conversations.size === 0) stopSweeping();
  };

  /** Drops idle conversations, then the least recently active while over a count or size budget. */
  const sweep = (keep?: string): void => {
    const cutoff = now() - idleMs;
    for (const [id, conversation] of conversations) {
      const over = conversations.size > maxConversations || totalChars > maxTotalChars;
      if (conversation.lastActiveAt > cutoff && !over) break;
      // The conversation being written to is the most recent one; it is trimmed, not dropped.
      if (id === keep) continue;
      drop(id, conversation);
    }
  };

  function startSweeping(): void {
    if (sweepTimer || closed || sweepIntervalMs <= 0) return;
    sweepTimer = setInterval(() => sweep(), sweepIntervalMs);
    // The sweep must never be what keeps the process alive.
    sweepTimer.unref();
  }

  function stopSweeping(): void {
    if (sweepTimer) clearInterval(sweepTimer);
    sweepTimer = undefined;
  }

  const touch = (conversationId: string): MemoryConversation | undefined => {
    sweep();
    const conversation = conversations.get(conversationId);
    if (!conversation) return undefined;
    conversation.lastActiveAt = now();
    conversations.delete(conversationId);
    conversations.set(conversationId, conversation);
    return conversation;
  };

  const mustGet = (conversationId: string): MemoryConversation => {
    const conversation = touch(conversationId);
    if (!conversation) throw new ConversationNotFoundError(conversationId);
    return conversation;
  };

  const removeAt = (conversation: MemoryConversation, index: number, count: number): void => {
    for (const entry of conversation.entries.splice(index, count)) {
      conversation.chars -= entry.chars;
      totalChars -= entry.chars;
      totalActivities -= 1;
    }
  };

  const log = (conversationId: string, conversation: MemoryConversation, json: string): DirectLineActivity => {
    const activity = JSON.parse(json) as DirectLineActivity;
    conversation.lastWatermark += 1;
    const watermark = conversation.lastWatermark;
    conversation.entries.push({ watermark, activity, chars: json.length });
    conversation.chars += json.length;
    totalChars += json.length;
    totalActivities += 1;
    // Oldest first, but the newest activity always stays: the client must see what it just sent.
    let excess = 0;
    let chars = conversation.chars;
    while (
      excess < conversation.entries.length - 1 &&
      (conversation.entries.length - excess > maxActivities || chars > maxConversationChars)
    ) {
      chars -= conversation.entries[excess]?.chars ?? 0;
      excess += 1;
    }
    if (excess > 0) removeAt(conversation, 0, excess);
    if (totalChars > maxTotalChars) sweep(conversationId);
    notify(conversation, { kind: 'logged', activity, watermark });
    return activity;
  };

  return {
    async create({ conversationId, userId, locale }) {
      const existing = touch(conversationId);
      if (existing) return { created: false, conversation: existing.record };
      const record: ConversationRecord = {
        conversationId,
        ...(userId === undefined ? {} : { userId }),
        ...(locale === undefined ? {} : { locale }),
        createdAt: now(),
      };
      conversations.set(conversationId, { record, entries: [], chars: 0, lastWatermark: 0, lastActiveAt: now(), listeners: new Set() });
      sweep(conversationId);
      startSweeping();
      return { created: true, conversation: record };
    },

    async get(conversationId) {
      return touch(conversationId)?.record;
    },

    async append(conversationId, activity) {
      const conversation = mustGet(conversationId);
      const id = activityIdFor(conversationId, conversation.lastWatermark + 1);
      return log(conversationId, conversation, JSON.stringify({ ...activity, id }));
    },

    async publish(conversationId, activity) {
      const conversation = mustGet(conversationId);
      transientCounter += 1;
      const stored = { ...toJson(activity), id: `${conversationId}|t${transientCounter}` };
      notify(conversation, { kind: 'transient', activity: stored });
      return stored;
    },

    async replace(conversationId, activity) {
      const conversation = mustGet(conversationId);
      const index = conversation.entries.findIndex((entry) => entry.activity.id === activity.id);
      if (index < 0) return false;
      removeAt(conversation, index, 1);
      log(conversationId, conversation, JSON.stringify(activity));
      return true;
    },

    async remove(conversationId, activityId) {
      const conversation = mustGet(conversationId);
      const index = conversation.entries.findIndex((entry) => entry.activity.id === activityId);
      if (index < 0) return false;
      removeAt(conversation, index, 1);
      return true;
    },

    async activitiesAfter(conversationId, watermark) {
      const conversation = touch(conversationId);
      if (!conversation) return undefined;
      return pageAfter(conversation.entries, watermark, conversation.lastWatermark, maxAnswerChars);
    },

    async subscribe(conversationId, listener) {
      const conversation = conversations.get(conversationId);
      if (!conversation) return () => undefined;
      conversation.listeners.add(listener);
      return () => {
        conversation.listeners.delete(listener);
      };
    },

    async close() {
      closed = true;
      stopSweeping();
    },

    stats() {
      return { conversations: conversations.size, activities: totalActivities, chars: totalChars };
    },
  };
}

/** A JSON copy: what a shared store would hold, and safe from later mutation by the bot. */
function toJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
