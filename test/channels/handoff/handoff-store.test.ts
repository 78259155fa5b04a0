/** One contract for the hand-off case store, run against memory, a real SQLite file and a real redis-server. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  createMemoryHandoffStore,
  createRedisHandoffStore,
  createSqliteHandoffStore,
  MAX_TRANSCRIPT,
  slackLink,
  teamsLink,
  type HandoffRecord,
  type HandoffRetentionOptions,
  type HandoffStore,
} from '../../../src/channels/handoff/handoff-store';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';
import { withRedisServer } from '../../helpers/redis-server';

function record(partial: Partial<HandoffRecord> = {}): HandoffRecord {
  const id = partial.id ?? randomUUID();
  return {
    id,
    createdAt: new Date().toISOString(),
    status: 'waiting',
    conversationKey: `conv/webchat/${id}`,
    reference: {
      channelId: 'webchat',
      conversation: { id: `c-${id}`, isGroup: false, conversationType: 'personal', name: '' },
      serviceUrl: 'http://127.0.0.1:9/',
    },
    locale: 'en',
    source: { channelId: 'webchat', conversationId: `c-${id}` },
    summary: { locale: 'en', probes: [], stepsTried: [], causes: [], lastMessages: ['help'], requestIds: [] } as never,
    links: {},
    ...partial,
  };
}

const server = withRedisServer();

/** Stops the store's background sweep after the test. */
function track(store: HandoffStore): HandoffStore {
  cleanups.push(async () => store.close());
  return store;
}
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const backends: [string, (options?: HandoffRetentionOptions) => Promise<HandoffStore>][] = [
  ['memory', async (options) => track(createMemoryHandoffStore(options))],
  [
    'sqlite',
    async (options) => {
      const dir = mkdtempSync(join(tmpdir(), 'gd-handoff-'));
      const database = openSqliteDatabase(join(dir, 'state.db'));
      cleanups.push(async () => {
        database.close();
        rmSync(dir, { recursive: true, force: true });
      });
      return track(createSqliteHandoffStore(database, options));
    },
  ],
  [
    'redis',
    async (options) => {
      const client = new Redis(server().url, { maxRetriesPerRequest: 1 });
      cleanups.push(async () => {
        await client.quit();
      });
      return track(createRedisHandoffStore(client, `test:${randomUUID()}:`, options));
    },
  ],
];

describe.each(backends)('hand-off store (%s)', (_name, open) => {
  it('deletes a case with its transcript and links once it went unchanged for the retention, and keeps the others', async () => {
    let clock = Date.UTC(2026, 10, 1);
    const store = await open({ retentionMs: 1000, now: () => clock });
    const old = record();
    const busy = record();
    await store.create(old);
    await store.create(busy);
    await store.setLinks(old.id, { slack: { channel: 'C1', ts: '1700000000.000009' } });
    await store.append(old.id, { at: new Date(clock).toISOString(), from: 'person', text: 'my card number is...' });
    clock += 600;
    await store.append(busy.id, { at: new Date(clock).toISOString(), from: 'agent', text: 'still here' });
    clock += 401; // old: 1001 ms unchanged; busy: 401 ms
    expect(await store.sweep()).toBe(1);
    expect(await store.get(old.id)).toBeUndefined();
    expect(await store.openFor(old.conversationKey)).toBeUndefined();
    expect(await store.byLink(slackLink('C1', '1700000000.000009'))).toBeUndefined();
    expect((await store.listOpen(10)).map((c) => c.id)).toEqual([busy.id]);
    expect((await store.get(busy.id))?.transcript.map((e) => e.text)).toEqual(['still here']);
    // A status change counts as a change: the busy case lives on from it.
    clock += 500;
    expect(await store.transition(busy.id, ['waiting'], 'ended', { endedBy: 'agent' })).toBe(true);
    clock += 999;
    expect(await store.sweep()).toBe(0);
    clock += 2;
    expect(await store.sweep()).toBe(1);
    expect(await store.get(busy.id)).toBeUndefined();
  });

  it('stores a case and finds it by id, by conversation and by its links', async () => {
    const store = await open();
    const r = record();
    await store.create(r);
    expect((await store.get(r.id))?.summary.lastMessages).toEqual(['help']);
    expect((await store.openFor(r.conversationKey))?.id).toBe(r.id);
    await store.setLinks(r.id, { slack: { channel: 'C1', ts: '1700000000.000001' } });
    await store.setLinks(r.id, { teams: { conversationId: '19:x@thread.tacv2;messageid=42', serviceUrl: 'http://127.0.0.1:9/' } });
    const viaSlack = await store.byLink(slackLink('C1', '1700000000.000001'));
    expect(viaSlack?.id).toBe(r.id);
    expect(viaSlack?.links.teams?.conversationId).toBe('19:x@thread.tacv2;messageid=42');
    expect((await store.byLink(teamsLink('19:x@thread.tacv2;messageid=42')))?.links.slack?.ts).toBe('1700000000.000001');
    expect(await store.byLink(slackLink('C1', '1.2'))).toBeUndefined();
    expect(await store.get('unknown')).toBeUndefined();
  });

  it('moves a case waiting -> active -> ended exactly once, and an ended case is no longer open', async () => {
    const store = await open();
    const r = record();
    await store.create(r);
    const racers = await Promise.all([1, 2, 3].map(() => store.transition(r.id, ['waiting'], 'active', { agentName: 'Maya' })));
    expect(racers.filter(Boolean)).toHaveLength(1);
    expect((await store.get(r.id))?.agentName).toBe('Maya');
    expect((await store.listOpen(10)).map((c) => c.id)).toEqual([r.id]);
    expect(await store.transition(r.id, ['waiting', 'active'], 'ended', { endedBy: 'person' })).toBe(true);
    expect(await store.transition(r.id, ['waiting', 'active'], 'ended', { endedBy: 'agent' })).toBe(false);
    const ended = await store.get(r.id);
    expect(ended?.status).toBe('ended');
    expect(ended?.endedBy).toBe('person');
    expect(await store.openFor(r.conversationKey)).toBeUndefined();
    expect(await store.listOpen(10)).toEqual([]);
    expect(await store.transition('unknown', ['waiting'], 'active')).toBe(false);
  });

  it('keeps the transcript in order and capped', async () => {
    const store = await open();
    const r = record();
    await store.create(r);
    for (let i = 0; i < MAX_TRANSCRIPT + 5; i += 1) {
      await store.append(r.id, { at: new Date().toISOString(), from: i % 2 ? 'agent' : 'person', text: `m${i}` });
    }
    const transcript = (await store.get(r.id))?.transcript ?? [];
    expect(transcript).toHaveLength(MAX_TRANSCRIPT);
    expect(transcript[0]?.text).toBe('m5');
    expect(transcript.at(-1)?.text).toBe(`m${MAX_TRANSCRIPT + 4}`);
  });

  it('lists open cases newest first, empty arrays in the evidence intact', async () => {
    const store = await open();
    const older = record({ createdAt: '2026-01-01T00:00:00.000Z' });
    const newer = record({ createdAt: '2026-01-02T00:00:00.000Z' });
    await store.create(older);
    await store.create(newer);
    await store.transition(older.id, ['waiting'], 'active');
    const listed = await store.listOpen(10);
    expect(listed.map((c) => c.id)).toEqual([newer.id, older.id]);
    expect(listed[1]?.summary.probes).toEqual([]);
    expect(await store.listOpen(1)).toHaveLength(1);
  });
});

describe('records from another version', () => {
  it('are skipped, not thrown (SQLite)', async () => {
    const database = openSqliteDatabase(':memory:');
    const store = createSqliteHandoffStore(database);
    database
      .prepare('INSERT INTO handoff_cases (id, conversation_key, status, created_at, record) VALUES (?, ?, ?, ?, ?)')
      .run('old', 'conv/x/y', 'waiting', '2020-01-01', JSON.stringify({ id: 'old', shape: 'v0' }));
    database
      .prepare('INSERT INTO handoff_cases (id, conversation_key, status, created_at, record) VALUES (?, ?, ?, ?, ?)')
      .run('bad', 'conv/x/z', 'waiting', '2020-01-02', '{not json');
    expect(await store.get('old')).toBeUndefined();
    expect(await store.openFor('conv/x/y')).toBeUndefined();
    expect(await store.listOpen(10)).toEqual([]);
    // Unreadable or not, they are swept when their time is up.
    expect(await store.sweep()).toBe(2);
    store.close();
    database.close();
  });

  it('a file of the first version gains a last-change time from each case opening, and its cases are kept until then', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-handoff-v1-'));
    const database = openSqliteDatabase(join(dir, 'state.db'));
    try {
      database.exec(
        'CREATE TABLE handoff_cases (id TEXT PRIMARY KEY, conversation_key TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, record TEXT NOT NULL)',
      );
      const opened = Date.UTC(2026, 10, 20, 9, 30);
      const r = record({ id: 'v1-case', createdAt: new Date(opened).toISOString() });
      database
        .prepare('INSERT INTO handoff_cases (id, conversation_key, status, created_at, record) VALUES (?, ?, ?, ?, ?)')
        .run(r.id, r.conversationKey, r.status, r.createdAt, JSON.stringify(r));
      let clock = opened + 999;
      const store = createSqliteHandoffStore(database, { retentionMs: 1000, now: () => clock });
      expect(await store.sweep()).toBe(0);
      expect((await store.get('v1-case'))?.id).toBe('v1-case');
      clock += 2;
      expect(await store.sweep()).toBe(1);
      expect(await store.get('v1-case')).toBeUndefined();
      store.close();
    } finally {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are skipped, not thrown (Redis)', async () => {
    const client = new Redis(server().url, { maxRetriesPerRequest: 1 });
    const prefix = `test:${randomUUID()}:`;
    const store = createRedisHandoffStore(client, prefix);
    await client.hset(`${prefix}handoff:case:old`, { record: '{"id":"old"}', status: 'waiting' });
    await client.zadd(`${prefix}handoff:open`, 1, 'old');
    expect(await store.get('old')).toBeUndefined();
    expect(await store.listOpen(10)).toEqual([]);
    store.close();
    await client.quit();
  });
});
