/**
 * One contract, three stores: every case runs against the memory store, the SQLite store on a real file and
 * the Redis store on a real redis-server. What only one variant does (memory's total budgets, SQLite's sweep,
 * Redis' subscriber bookkeeping and expiry) is tested at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  ConversationNotFoundError,
  createMemoryConversationStore,
  type ConversationEvent,
  type ConversationStore,
  type PersistentConversationStoreOptions,
} from '../../../src/channels/webchat/conversation-store';
import { createRedisConversationStore } from '../../../src/channels/webchat/redis-conversation-store';
import { createSqliteConversationStore } from '../../../src/channels/webchat/sqlite-conversation-store';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';
import { withRedisServer } from '../../helpers/redis-server';
import { createFakeClock } from './helpers/fake-clock';

const message = (text: string) => ({ type: 'message', text });

type Limits = Pick<PersistentConversationStoreOptions, 'maxActivities' | 'maxConversationChars' | 'maxAnswerChars'>;

interface Variant {
  name: string;
  create(limits?: Limits): ConversationStore;
}

const redisServer = withRedisServer();
let tempDir: string;
let databases: SqliteDatabase[] = [];
let redisClients: Redis[] = [];
let stores: ConversationStore[] = [];
let prefixCounter = 0;

beforeAll(() => {
  tempDir = mkdtempSync(join(tmpdir(), 'gd-dlstore-'));
});
afterEach(async () => {
  for (const store of stores) await store.close();
  for (const database of databases) database.close();
  for (const client of redisClients) await client.quit();
  stores = [];
  databases = [];
  redisClients = [];
});
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

const track = <T extends ConversationStore>(store: T): T => {
  stores.push(store);
  return store;
};

const sqliteDatabase = (): SqliteDatabase => {
  const database = openSqliteDatabase(join(tempDir, `store-${databases.length}-${Date.now()}.sqlite`));
  databases.push(database);
  return database;
};

const redisClient = (): Redis => {
  const client = new Redis(redisServer().url);
  redisClients.push(client);
  return client;
};

const VARIANTS: Variant[] = [
  { name: 'memory', create: (limits = {}) => track(createMemoryConversationStore(limits)) },
  { name: 'sqlite', create: (limits = {}) => track(createSqliteConversationStore(sqliteDatabase(), limits)) },
  {
    name: 'redis',
    create: (limits = {}) => {
      prefixCounter += 1;
      return track(createRedisConversationStore({ client: redisClient(), keyPrefix: `t${prefixCounter}:`, ...limits }));
    },
  },
];

/** Waits until `events` holds `count` entries (Redis delivers through pub/sub, a moment later). */
async function eventually(events: ConversationEvent[], count: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while (events.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe.each(VARIANTS)('conversation store contract: $name', ({ create }) => {
  it('gives each logged activity an id and a watermark one above the last', async () => {
    const store = create();
    expect(await store.create({ conversationId: 'c1', userId: 'u1', locale: 'de-DE' })).toMatchObject({ created: true });
    expect(await store.create({ conversationId: 'c1' })).toMatchObject({ created: false, conversation: { userId: 'u1', locale: 'de-DE' } });
    expect(await store.get('c1')).toMatchObject({ conversationId: 'c1', userId: 'u1', locale: 'de-DE' });
    const first = await store.append('c1', message('one'));
    const second = await store.append('c1', message('two'));
    expect([first.id, second.id]).toEqual(['c1|0000001', 'c1|0000002']);
    expect(await store.activitiesAfter('c1', undefined)).toEqual({ activities: [first, second], watermark: '2' });
  });

  it('answers a reconnect with exactly what came after the watermark', async () => {
    const store = create();
    await store.create({ conversationId: 'c1' });
    for (const text of ['a', 'b', 'c']) await store.append('c1', message(text));
    const seen = await store.activitiesAfter('c1', undefined);
    await store.append('c1', message('d'));
    await store.append('c1', message('e'));
    const resumed = await store.activitiesAfter('c1', Number(seen?.watermark));
    expect(resumed?.activities.map((a) => a.text)).toEqual(['d', 'e']);
    expect(resumed?.watermark).toBe('5');
    expect(await store.activitiesAfter('c1', 5)).toEqual({ activities: [], watermark: '5' });
    // A watermark from the future (another instance's, or made up) is simply past everything.
    expect(await store.activitiesAfter('c1', 999_999)).toEqual({ activities: [], watermark: '5' });
  });

  it('keeps its own copy of an activity, and the id it gave wins over one in the activity', async () => {
    const store = create();
    await store.create({ conversationId: 'c1' });
    const original = { type: 'message', text: 'before', channelData: { n: 1 } };
    await store.append('c1', original);
    original.channelData.n = 2;
    original.text = 'after';
    expect((await store.activitiesAfter('c1', undefined))?.activities[0]).toMatchObject({
      id: 'c1|0000001',
      text: 'before',
      channelData: { n: 1 },
    });
  });

  it('keeps ids with quotes, bars and non-Latin text intact', async () => {
    const store = create();
    const id = 'c"\\|/é日本';
    await store.create({ conversationId: id });
    const logged = await store.append(id, message('“quoted” ünïcödé 日本語 \\ /'));
    expect(logged.id).toBe(`${id}|0000001`);
    expect((await store.activitiesAfter(id, undefined))?.activities).toEqual([logged]);
  });

  it('moves a replaced activity to a new watermark under the same id', async () => {
    const store = create();
    await store.create({ conversationId: 'c1' });
    const card = await store.append('c1', message('card v1'));
    await store.append('c1', message('later'));
    expect(await store.replace('c1', { ...card, text: 'card v2' })).toBe(true);
    const all = await store.activitiesAfter('c1', undefined);
    expect(all?.activities.map((a) => [a.id, a.text])).toEqual([
      ['c1|0000002', 'later'],
      ['c1|0000001', 'card v2'],
    ]);
    expect((await store.activitiesAfter('c1', 2))?.activities.map((a) => a.text)).toEqual(['card v2']);
    expect(await store.replace('c1', { id: 'c1|9999999', type: 'message' })).toBe(false);
  });

  it('removes an activity from the log', async () => {
    const store = create();
    await store.create({ conversationId: 'c1' });
    const gone = await store.append('c1', message('oops'));
    await store.append('c1', message('kept'));
    expect(await store.remove('c1', gone.id)).toBe(true);
    expect(await store.remove('c1', gone.id)).toBe(false);
    expect((await store.activitiesAfter('c1', undefined))?.activities.map((a) => a.text)).toEqual(['kept']);
  });

  it('tells listeners about logged, replaced and transient activities, and stops after unsubscribe', async () => {
    const store = create();
    await store.create({ conversationId: 'c1' });
    const events: ConversationEvent[] = [];
    const unsubscribe = await store.subscribe('c1', (event) => events.push(event));
    const card = await store.append('c1', message('hello'));
    await store.publish('c1', { type: 'typing' });
    await store.replace('c1', { ...card, text: 'hello again' });
    await eventually(events, 3);
    unsubscribe();
    await store.append('c1', message('unseen'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(
      events.map((e) => [
        e.kind,
        e.kind === 'ended' ? null : (e.activity.text ?? e.activity.type),
        e.kind === 'logged' ? e.watermark : null,
      ]),
    ).toEqual([
      ['logged', 'hello', 1],
      ['transient', 'typing', null],
      ['logged', 'hello again', 2],
    ]);
    // Typing never enters the log.
    expect((await store.activitiesAfter('c1', undefined))?.activities.map((a) => a.type)).toEqual(['message', 'message']);
  });

  it('keeps telling the other listeners when one throws', async () => {
    const store = create();
    await store.create({ conversationId: 'c1' });
    const events: ConversationEvent[] = [];
    await store.subscribe('c1', () => {
      throw new Error('a socket broke mid-send');
    });
    await store.subscribe('c1', (event) => events.push(event));
    await expect(store.append('c1', message('one'))).resolves.toMatchObject({ id: 'c1|0000001' });
    await store.append('c1', message('two'));
    await eventually(events, 2);
    expect(events.map((e) => e.kind)).toEqual(['logged', 'logged']);
  });

  it('keeps only the newest activities of a conversation', async () => {
    const store = create({ maxActivities: 3 });
    await store.create({ conversationId: 'c1' });
    for (let i = 1; i <= 5; i += 1) await store.append('c1', message(`m${i}`));
    const all = await store.activitiesAfter('c1', undefined);
    expect(all?.activities.map((a) => a.text)).toEqual(['m3', 'm4', 'm5']);
    expect(all?.watermark).toBe('5');
  });

  it('keeps a conversation within its size budget, newest first, and always keeps what was just logged', async () => {
    const store = create({ maxConversationChars: 1000 });
    await store.create({ conversationId: 'c1' });
    for (let i = 1; i <= 10; i += 1) await store.append('c1', message(`m${i}-${'x'.repeat(200)}`));
    const kept = (await store.activitiesAfter('c1', undefined))?.activities ?? [];
    expect(kept.map((a) => String(a.text).slice(0, 3))).toEqual(['m7-', 'm8-', 'm9-', 'm10']);
    expect(kept.reduce((sum, a) => sum + JSON.stringify(a).length, 0)).toBeLessThanOrEqual(1000);
    await store.append('c1', message('y'.repeat(5000)));
    expect((await store.activitiesAfter('c1', undefined))?.activities.map((a) => String(a.text).length)).toEqual([5000]);
  });

  it('answers in bounded pages that together hold everything once, in order', async () => {
    const store = create({ maxAnswerChars: 700 });
    await store.create({ conversationId: 'c1' });
    for (let i = 1; i <= 9; i += 1) await store.append('c1', message(`${i}${'p'.repeat(200)}`));
    await store.remove('c1', 'c1|0000004');
    const seen: string[] = [];
    let watermark: number | undefined;
    for (let pages = 0; pages < 20; pages += 1) {
      const page = await store.activitiesAfter('c1', watermark);
      expect(JSON.stringify(page?.activities).length).toBeLessThanOrEqual(700);
      if (!page || page.activities.length === 0) break;
      seen.push(...page.activities.map((a) => String(a.text).charAt(0)));
      watermark = Number(page.watermark);
    }
    expect(seen).toEqual(['1', '2', '3', '5', '6', '7', '8', '9']);
    expect(watermark).toBe(9);
  });

  it('refuses to log into a conversation it does not know', async () => {
    const store = create();
    await expect(store.append('nope', message('x'))).rejects.toBeInstanceOf(ConversationNotFoundError);
    await expect(store.publish('nope', { type: 'typing' })).rejects.toBeInstanceOf(ConversationNotFoundError);
    await expect(store.replace('nope', { id: 'nope|0000001', type: 'message' })).rejects.toBeInstanceOf(ConversationNotFoundError);
    expect(await store.activitiesAfter('nope', undefined)).toBeUndefined();
    expect(await store.get('nope')).toBeUndefined();
  });

  it('keeps conversations apart', async () => {
    const store = create();
    await store.create({ conversationId: 'a' });
    await store.create({ conversationId: 'b' });
    await store.append('a', message('for a'));
    expect((await store.activitiesAfter('b', undefined))?.activities).toEqual([]);
  });
});

describe('what survives: the SQLite and Redis stores', () => {
  it('SQLite: a second store on the same file has the conversation, its log and watermark', async () => {
    const database = sqliteDatabase();
    const before = track(createSqliteConversationStore(database));
    await before.create({ conversationId: 'c1', userId: 'u1' });
    await before.append('c1', message('one'));
    await before.close();
    const after = track(createSqliteConversationStore(database));
    expect(await after.get('c1')).toMatchObject({ userId: 'u1' });
    expect((await after.append('c1', message('two'))).id).toBe('c1|0000002');
    expect((await after.activitiesAfter('c1', 1))?.activities.map((a) => a.text)).toEqual(['two']);
  });

  it('SQLite: a conversation unused past the retention is gone, and the sweep deletes it and tells its listeners', async () => {
    const clock = createFakeClock(1_000_000);
    const database = sqliteDatabase();
    const store = track(createSqliteConversationStore(database, { retentionMs: 60_000, sweepIntervalMs: 10, now: clock.now }));
    await store.create({ conversationId: 'idle' });
    await store.append('idle', message('hello'));
    const events: ConversationEvent[] = [];
    await store.subscribe('idle', (event) => events.push(event));
    clock.advance(61_000);
    expect(await store.get('idle')).toBeUndefined();
    await eventually(events, 1);
    expect(events).toEqual([{ kind: 'ended' }]);
    expect(database.prepare('SELECT COUNT(*) AS n FROM webchat_activities').get()).toEqual({ n: 0 });
  });

  it('SQLite: the sweep drops the least recently active conversations beyond the total size', async () => {
    const clock = createFakeClock(1_000_000);
    const database = sqliteDatabase();
    const store = track(createSqliteConversationStore(database, { maxTotalChars: 3000, sweepIntervalMs: 10, now: clock.now }));
    for (const id of ['a', 'b', 'c', 'd']) {
      await store.create({ conversationId: id });
      await store.append(id, message('z'.repeat(900)));
      clock.advance(120_000);
    }
    await store.get('a'); // a is now the most recently active
    // Read behind the store's back: a get() would make b recent again.
    const ids = () => (database.prepare('SELECT id FROM webchat_conversations ORDER BY id').all() as { id: string }[]).map((row) => row.id);
    const deadline = Date.now() + 2000;
    while (ids().includes('b') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ids()).toEqual(['a', 'c', 'd']);
  });

  it('SQLite: rows corrupted by hand are skipped, never served or thrown', async () => {
    const database = sqliteDatabase();
    const store = track(createSqliteConversationStore(database));
    await store.create({ conversationId: 'c1' });
    await store.append('c1', message('good'));
    await store.append('c1', message('bad'));
    database.prepare("UPDATE webchat_activities SET json = '{not json' WHERE watermark = 2").run();
    await store.append('c1', message('good again'));
    database.prepare(`UPDATE webchat_activities SET json = '{"type":"message"}' WHERE watermark = 3`).run();
    expect((await store.activitiesAfter('c1', undefined))?.activities.map((a) => a.text)).toEqual(['good']);
    await store.create({ conversationId: 'c2' });
    database.prepare(`UPDATE webchat_conversations SET record = '{"conversationId":42}' WHERE id = 'c2'`).run();
    expect(await store.get('c2')).toBeUndefined();
    expect(await store.activitiesAfter('c2', undefined)).toBeUndefined();
    // Starting it again replaces the unreadable record.
    expect(await store.create({ conversationId: 'c2' })).toMatchObject({ created: true });
  });

  it('Redis: a second instance sees the log and gets live events from the first', async () => {
    const a = track(createRedisConversationStore({ client: redisClient(), keyPrefix: 'shared:' }));
    const b = track(createRedisConversationStore({ client: redisClient(), keyPrefix: 'shared:' }));
    await a.create({ conversationId: 'c1', userId: 'u1' });
    expect(await b.get('c1')).toMatchObject({ userId: 'u1' });
    const events: ConversationEvent[] = [];
    const unsubscribe = await a.subscribe('c1', (event) => events.push(event));
    await b.append('c1', message('from b'));
    await b.publish('c1', { type: 'typing' });
    await eventually(events, 2);
    expect(events.map((e) => e.kind)).toEqual(['logged', 'transient']);
    expect(a.subscribedChannels()).toBe(1);
    unsubscribe();
    expect(a.subscribedChannels()).toBe(0);
    const probe = redisClient();
    const deadline = Date.now() + 2000;
    let subscribers = -1;
    while (Date.now() < deadline) {
      const [, count] = (await probe.pubsub('NUMSUB', 'shared:webchat:ev:c1')) as [string, number];
      subscribers = count;
      if (subscribers === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(subscribers).toBe(0);
  });

  it('Redis: keys expire after the retention, and corrupt entries and forged events are skipped', async () => {
    const client = redisClient();
    const store = track(createRedisConversationStore({ client, keyPrefix: 'exp:', retentionMs: 60_000 }));
    await store.create({ conversationId: 'c1' });
    await store.append('c1', message('good'));
    const ttl = await client.pttl('exp:webchat:l:c1');
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await client.pttl('exp:webchat:c:c1')).toBeGreaterThan(50_000);
    await client.rpush('exp:webchat:l:c1', '{not json', '{"w":9,"c":3,"a":{"type":"message"}}');
    const events: ConversationEvent[] = [];
    await store.subscribe('c1', (event) => events.push(event));
    await client.publish('exp:webchat:ev:c1', '{"kind":"logged","watermark":"x"}');
    await client.publish('exp:webchat:ev:c1', 'garbage');
    await store.append('c1', message('after'));
    await eventually(events, 1);
    expect(events.map((e) => e.kind)).toEqual(['logged']);
    expect((await store.activitiesAfter('c1', undefined))?.activities.map((a) => a.text)).toEqual(['good', 'after']);
    await client.hset('exp:webchat:c:c1', 'record', 'nonsense');
    expect(await store.get('c1')).toBeUndefined();
    expect(await store.activitiesAfter('c1', undefined)).toBeUndefined();
  });
});
