/**
 * Two instances of the whole app on one real redis-server: an incident declared on one is quoted by the
 * other, both resolve it at once, and each watcher hears "it's back" exactly once.
 */
import { startConnector, type FakeConnector } from '../helpers/fake-connector';
import type { RunningApp } from '../../src/index';
import { createActivity, createTestApp, sendActivity } from '../helpers/create-test-app';
import { createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';
import { withRedisServer } from '../helpers/redis-server';

const TOKEN = 'two-instances-token-0123456789abcdef';

// Outside the describe: the server must outlive the apps, which close in the describe's own afterAll.
const redis = withRedisServer();

describe('incidents across two instances on Redis', () => {
  let apps: RunningApp[] = [];
  let site: LoopbackServer;
  let connector: FakeConnector;

  beforeAll(async () => {
    site = await createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('ok');
    });
    connector = await startConnector();
    apps = [
      await createTestApp({ STORAGE: redis().url, ADMIN_API_TOKEN: TOKEN }),
      await createTestApp({ STORAGE: redis().url, ADMIN_API_TOKEN: TOKEN }),
    ];
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await site.close();
    await connector.close();
  });

  const admin = (app: RunningApp, path: string, body?: unknown) =>
    fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  it('resolving on both instances at once tells each watcher exactly once', async () => {
    const [a, b] = apps;
    if (!a || !b) throw new Error('apps not started');
    const created = await admin(a, '/api/admin/incidents', { host: '127.0.0.1', title: 'Checkout paused', message: 'Back soon' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    // Three people, on both instances, each asks about the site and asks to be told when it is back.
    for (const [app, conversation] of [
      [a, 'two-1'],
      [b, 'two-2'],
      [b, 'two-3'],
    ] as const) {
      const activity = (extra: Record<string, unknown>) =>
        createActivity({ conversation: { id: conversation }, from: { id: `p-${conversation}` }, serviceUrl: connector.url, ...extra });
      const first = await sendActivity(app.url, activity({ text: `${site.url} shows 502` }));
      expect(first.at(-1)?.channelData?.gatewayDoctor?.state).toBe('user.incident');
      const watched = await sendActivity(
        app.url,
        activity({ text: '', value: { gatewayDoctor: { intent: 'watch', state: 'user.incident' } } }),
      );
      expect(watched.at(-1)?.channelData?.gatewayDoctor?.state).toBe('user.waiting');
    }
    expect(await a.watch.list()).toHaveLength(3);
    // Both instances' rounds see the 200 but the incident holds it.
    await Promise.all([a.watch.tick(), b.watch.tick()]);
    expect(connector.posted).toHaveLength(0);

    const answers = await Promise.all([admin(a, `/api/admin/incidents/${id}/resolve`), admin(b, `/api/admin/incidents/${id}/resolve`)]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const won = answers.find((r) => r.status === 200);
    expect(await won?.json()).toMatchObject({ notified: 3 });
    expect(connector.posted).toHaveLength(3);
    expect(new Set(connector.posted.map((p) => p.path)).size).toBe(3);

    // Nothing is left for either instance's round to tell again.
    await Promise.all([a.watch.tick(), b.watch.tick()]);
    expect(connector.posted).toHaveLength(3);
    expect(await b.watch.list()).toEqual([]);
  });

  it("two instances telling the same host's watchers at once claim each subscription once", async () => {
    const [a, b] = apps;
    if (!a || !b) throw new Error('apps not started');
    const reference = (id: string) => ({
      channelId: 'emulator',
      serviceUrl: connector.url,
      conversation: { id, isGroup: false, conversationType: 'personal', name: id },
    });
    for (let i = 0; i < 10; i += 1) await a.watch.subscribe('https://shop.example.com/', reference(`race-${i}`), 'en');
    const before = connector.posted.length;
    const outcome = { kind: 'resolved', at: new Date().toISOString() } as const;
    const counts = await Promise.all([
      a.watch.notifyNow((url) => url.includes('shop.example.com'), outcome),
      b.watch.notifyNow((url) => url.includes('shop.example.com'), outcome),
    ]);
    expect(counts[0] + counts[1]).toBe(10);
    expect(connector.posted.length - before).toBe(10);
    expect(new Set(connector.posted.slice(before).map((p) => p.path)).size).toBe(10);
  });
});
