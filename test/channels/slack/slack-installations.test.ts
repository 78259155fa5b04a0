/** The per-team installation store, one contract on memory, a real SQLite file and a real redis-server. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createSlackInstallations, toInstallationStore, type SlackInstallations } from '../../../src/channels/slack/slack-installations';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';
import { withRedisServer } from '../../helpers/redis-server';

const server = withRedisServer();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const backends: [string, () => SlackInstallations & { raw?: (teamId: string, value: string) => Promise<void> }][] = [
  ['memory', () => createSlackInstallations({ kind: 'memory' })],
  [
    'sqlite',
    () => {
      const database = openSqliteDatabase(':memory:');
      cleanups.push(async () => void database.close());
      const store = createSlackInstallations({ kind: 'sqlite', database });
      return {
        ...store,
        raw: async (teamId, value) => void database.prepare('INSERT OR REPLACE INTO slack_installations VALUES (?, ?)').run(teamId, value),
      };
    },
  ],
  [
    'redis',
    () => {
      const client = new Redis(server().url, { maxRetriesPerRequest: 1 });
      cleanups.push(async () => void (await client.quit()));
      const keyPrefix = `test:${randomUUID()}:`;
      const store = createSlackInstallations({ kind: 'redis', client, keyPrefix });
      return { ...store, raw: async (teamId, value) => void (await client.set(`${keyPrefix}slack:install:${teamId}`, value)) };
    },
  ],
];

describe.each(backends)('slack installations (%s)', (_name, open) => {
  it('saves, reads, replaces and removes one installation per team', async () => {
    const store = open();
    expect(await store.get('T1')).toBeUndefined();
    await store.save({ teamId: 'T1', botToken: 'xoxb-1', botUserId: 'U1', installedAt: '2026-11-30T00:00:00.000Z' });
    await store.save({ teamId: 'T1', botToken: 'xoxb-2', installedAt: '2026-11-30T00:00:01.000Z' });
    expect(await store.get('T1')).toEqual({ teamId: 'T1', botToken: 'xoxb-2', installedAt: '2026-11-30T00:00:01.000Z' });
    await store.remove('T1');
    expect(await store.get('T1')).toBeUndefined();
  });

  it('skips a record it cannot read instead of throwing', async () => {
    const store = open();
    if (!store.raw) return;
    await store.raw('T2', '{"teamId":"T2"}');
    expect(await store.get('T2')).toBeUndefined();
    await store.raw('T3', 'not json');
    expect(await store.get('T3')).toBeUndefined();
  });

  it("is @slack/oauth's installation store: workspace installs only", async () => {
    const store = open();
    const oauth = toInstallationStore(store, () => 0);
    await oauth.storeInstallation({
      team: { id: 'T4', name: 'Four' },
      enterprise: undefined,
      user: { id: 'U', token: undefined, scopes: undefined },
      bot: { id: 'B', userId: 'U4', token: 'xoxb-4', scopes: [] },
    });
    expect((await oauth.fetchInstallation({ teamId: 'T4', enterpriseId: undefined, isEnterpriseInstall: false })).bot?.token).toBe(
      'xoxb-4',
    );
    await expect(
      oauth.storeInstallation({
        team: undefined,
        enterprise: { id: 'E1' },
        user: { id: 'U', token: undefined, scopes: undefined },
        isEnterpriseInstall: true,
      }),
    ).rejects.toThrow();
    await expect(oauth.fetchInstallation({ teamId: 'T9', enterpriseId: undefined, isEnterpriseInstall: false })).rejects.toThrow();
  });
});
