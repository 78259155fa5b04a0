/**
 * The Direct Line conversation log: per conversation, an append-only list of activities, each with a
 * watermark one higher than the last. A client that comes back with the last watermark it saw gets exactly
 * what came after it. The interface is async so a shared (Redis) store can follow the memory one.
 */

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

/** What live listeners (the WebSocket stream) are told. */
export type ConversationEvent =
  | { kind: 'logged'; activity: DirectLineActivity; watermark: number }
  | { kind: 'transient'; activity: DirectLineActivity };

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
  /** Activities after `watermark` (all when undefined); undefined for an unknown conversation. */
  activitiesAfter(conversationId: string, watermark: number | undefined): Promise<ActivitySet | undefined>;
  /** Live events for one conversation; returns the unsubscribe function. */
  subscribe(conversationId: string, listener: ConversationListener): () => void;
}

export interface MemoryConversationStoreOptions {
  /** Activities kept per conversation; older ones are dropped first. */
  maxActivities?: number;
  /** Conversations kept at all; the least recently active is dropped first. */
  maxConversations?: number;
  /** A conversation untouched for this long is dropped. */
  idleMs?: number;
  now?: () => number;
}

interface Entry {
  watermark: number;
  activity: DirectLineActivity;
}

interface MemoryConversation {
  record: ConversationRecord;
  entries: Entry[];
  lastWatermark: number;
  lastActiveAt: number;
  listeners: Set<ConversationListener>;
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

/** The in-process store: bounded in activities, conversations and idle time. */
export function createMemoryConversationStore({
  maxActivities = 500,
  maxConversations = 10_000,
  idleMs = 60 * 60 * 1000,
  now = Date.now,
}: MemoryConversationStoreOptions = {}): ConversationStore {
  // Map order doubles as recency order: touching a conversation moves it to the end.
  const conversations = new Map<string, MemoryConversation>();
  let transientCounter = 0;

  const sweep = (): void => {
    const cutoff = now() - idleMs;
    for (const [id, conversation] of conversations) {
      if (conversation.lastActiveAt > cutoff && conversations.size <= maxConversations) break;
      conversations.delete(id);
    }
  };

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

  const notify = (conversation: MemoryConversation, event: ConversationEvent): void => {
    for (const listener of [...conversation.listeners]) listener(event);
  };

  const log = (conversation: MemoryConversation, activity: DirectLineActivity): DirectLineActivity => {
    conversation.lastWatermark += 1;
    const watermark = conversation.lastWatermark;
    conversation.entries.push({ watermark, activity });
    if (conversation.entries.length > maxActivities) conversation.entries.splice(0, conversation.entries.length - maxActivities);
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
      conversations.set(conversationId, { record, entries: [], lastWatermark: 0, lastActiveAt: now(), listeners: new Set() });
      sweep();
      return { created: true, conversation: record };
    },

    async get(conversationId) {
      return touch(conversationId)?.record;
    },

    async append(conversationId, activity) {
      const conversation = mustGet(conversationId);
      const id = activityIdFor(conversationId, conversation.lastWatermark + 1);
      return log(conversation, { ...toJson(activity), id });
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
      conversation.entries.splice(index, 1);
      log(conversation, toJson(activity));
      return true;
    },

    async remove(conversationId, activityId) {
      const conversation = mustGet(conversationId);
      const index = conversation.entries.findIndex((entry) => entry.activity.id === activityId);
      if (index < 0) return false;
      conversation.entries.splice(index, 1);
      return true;
    },

    async activitiesAfter(conversationId, watermark) {
      const conversation = touch(conversationId);
      if (!conversation) return undefined;
      const from = watermark ?? 0;
      const activities = conversation.entries.filter((entry) => entry.watermark > from).map((entry) => entry.activity);
      return { activities, watermark: String(conversation.lastWatermark) };
    },

    subscribe(conversationId, listener) {
      const conversation = conversations.get(conversationId);
      if (!conversation) return () => undefined;
      conversation.listeners.add(listener);
      return () => {
        conversation.listeners.delete(listener);
      };
    },
  };
}

/** A JSON copy: what a shared store would hold, and safe from later mutation by the bot. */
function toJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
