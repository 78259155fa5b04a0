/**
 * Two whole apps (createTestApp twice) on one real redis-server behave as one bot: a conversation that
 * alternates between them continues step by step, a redelivered activity is answered once, an outage
 * storm split over both probes the site once, people waiting on either instance hear "it's back" once,
 * and the board of one instance lists what the other checked. Traffic is Bot Framework `expectReplies`
 * on /api/messages from loopback; notifications go to a loopback connector.
 */
import { Redis } from 'ioredis';
import type { RunningApp } from '../../src/index';
import { cacheKey } from '../../src/probe/prober';
import { expectHealthy } from '../helpers/attack';
import { createActivity, createTeamsActivity, createTestApp, sendActivity, type BotReply } from '../helpers/create-test-app';
import { createCountingSite, createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';
import { startConnector, type FakeConnector } from '../helpers/fake-connector';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

jest.setTimeout(60_000);

const stateOf = (replies: BotReply[]): string | undefined => replies.at(-1)?.channelData?.gatewayDoctor?.state;

describe('two instances on one Redis', () => {
  // Started and stopped by hand: Redis must outlive the apps' close() in afterAll.
  let redisServer: RedisServer;
  const redis = () => redisServer;
  let one: RunningApp;
  let two: RunningApp;
  let connector: FakeConnector;

  beforeAll(async () => {
    redisServer = await startRedisServer();
    connector = await startConnector();
    const env = { STORAGE: redis().url, PROBE_TIMEOUT_MS: '3000', STATUS_HOSTS: '127.0.0.1', WATCH_INTERVAL_MS: '3600000' };
    [one, two] = await Promise.all([createTestApp(env), createTestApp(env)]);
  });
  afterAll(async () => {
    await Promise.all([one?.close(), two?.close()]);
    await connector?.close();
    await redisServer?.stop();
  });

  const message = (conversation: string, text: string, extra: Record<string, unknown> = {}) =>
    createActivity({
      conversation: { id: conversation },
      from: { id: `person-${conversation}` },
      serviceUrl: connector.url,
      text,
      ...extra,
    });

  it('continues a conversation that alternates between the instances at the right step', async () => {
    const site = await createHttpServer((_req, res) => {
      res.writeHead(200);
      res.end('ok');
    });
    try {
      const first = await sendActivity(one.url, message('alternating', `127.0.0.1:${site.port} shows 502 Bad Gateway`));
      const afterFirst = stateOf(first);
      expect(afterFirst).toMatch(/^user\.step\./);
      const second = await sendActivity(two.url, message('alternating', 'no'));
      const afterSecond = stateOf(second);
      expect(afterSecond).toMatch(/^user\.step\./);
      expect(afterSecond).not.toBe(afterFirst);
      const third = await sendActivity(one.url, message('alternating', 'no'));
      expect(stateOf(third)).toMatch(/^user\.step\./);
      expect([afterFirst, afterSecond]).not.toContain(stateOf(third));
      await expectHealthy(one.url);
      await expectHealthy(two.url);
    } finally {
      await site.close();
    }
  });

  it('redraws a clicked Teams card on whichever instance the click reaches, and only in its own conversation', async () => {
    const site = await createHttpServer((_req, res) => {
      res.writeHead(200);
      res.end('ok');
    });
    // A connector of its own: the "it's back" case below counts every message the shared one received.
    const connector = await startConnector();
    const teams = (instance: RunningApp, conversation: string, extra: Record<string, unknown>) =>
      fetch(`${instance.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          createTeamsActivity(connector.url, conversation, { from: { id: `29:${conversation}`, name: 'Ana' }, ...extra }),
        ),
      });
    const until = async (predicate: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error('timed out waiting for the connector');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const cardIn = (conversation: string) => {
      const index = connector.posted.findIndex(
        (p) => p.path.includes(encodeURIComponent(conversation)) && (p.body.attachments?.length ?? 0) > 0 && p.method === 'POST',
      );
      return index >= 0 ? `reply-${index + 1}` : undefined;
    };
    try {
      await teams(one, 'a:cards-one', { text: `127.0.0.1:${site.port}` });
      await teams(one, 'a:cards-other', { text: `127.0.0.1:${site.port}` });
      await until(() => cardIn('a:cards-one') !== undefined && cardIn('a:cards-other') !== undefined);
      const card = cardIn('a:cards-one') as string;
      const otherCard = cardIn('a:cards-other') as string;

      // A click in another conversation naming this card redraws nothing of it.
      const putsBefore = connector.posted.filter((p) => p.method === 'PUT').length;
      await teams(two, 'a:cards-other', { text: 'No', value: { gatewayDoctor: { intent: 'no' } }, replyToId: card });
      // The click on the card itself, on the other instance than the one that sent it.
      await teams(two, 'a:cards-one', { text: 'No, still broken', value: { gatewayDoctor: { intent: 'no' } }, replyToId: card });
      await until(() => connector.posted.filter((p) => p.method === 'PUT').length > putsBefore);
      const puts = connector.posted.filter((p) => p.method === 'PUT').slice(putsBefore);
      expect(puts.map((p) => p.path)).toEqual([expect.stringContaining(`/activities/${card}`)]);
      expect(puts[0]?.path).toContain(encodeURIComponent('a:cards-one'));
      expect(JSON.stringify(puts[0]?.body.attachments)).not.toContain('Action.Submit');
      expect(otherCard).not.toBe(card);
    } finally {
      await site.close();
      await connector.close();
    }
  });

  it('answers an activity delivered to both instances once', async () => {
    const activity = message('redelivered', 'hello');
    const [a, b] = await Promise.all([sendActivity(one.url, activity), sendActivity(two.url, activity)]);
    expect([a.length > 0, b.length > 0].sort()).toEqual([false, true]);
    // And again later, to either: still nothing new.
    expect(await sendActivity(two.url, activity)).toEqual([]);
    expect(await sendActivity(one.url, activity)).toEqual([]);
  });

  it('probes the site once for 200 people asking at once, split over both instances', async () => {
    const site = await createCountingSite(300);
    const work = async (app: RunningApp, kind: string) => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      return Number(new RegExp(`^gateway_doctor_probe_work_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };
    const fleetWork = async () => {
      const sum = async (kind: string) => (await work(one, kind)) + (await work(two, kind));
      return { outbound: await sum('outbound'), shared: (await sum('joined')) + (await sum('cacheHits')) };
    };
    const before = await fleetWork();
    try {
      const asks = Array.from({ length: 200 }, (_, i) =>
        sendActivity(i % 2 === 0 ? one.url : two.url, message(`storm-${i}`, `127.0.0.1:${site.server.port}/storm shows 502 Bad Gateway`)),
      );
      const replies = await Promise.all(asks);
      const verdicts = replies.map((r) => r.at(-1)?.channelData?.gatewayDoctor?.verdict);
      expect(verdicts).toEqual(replies.map(() => 'up'));
      // https first (refused: a plain-HTTP site), then http: one request reaches the site for the whole fleet.
      expect(site.paths).toEqual(['/storm']);
      const joinedOrCached = [one, two].reduce((sum, app) => sum + app.core.prober.stats().joined + app.core.prober.stats().cacheHits, 0);
      expect(joinedOrCached).toBeGreaterThanOrEqual(199);
      // What an operator sees on /metrics: one probe went out for the fleet, the rest were shared.
      const after = await fleetWork();
      expect(after.outbound - before.outbound).toBe(1);
      expect(after.shared - before.shared).toBeGreaterThanOrEqual(199);
      await expectHealthy(one.url);
      await expectHealthy(two.url);
    } finally {
      await site.server.close();
    }
  });

  it('tells people waiting on either instance once that the site is back, after one probe', async () => {
    let up = false;
    let probes = 0;
    const site: LoopbackServer = await createHttpServer((_req, res) => {
      probes += 1;
      res.writeHead(up ? 200 : 502, { server: 'nginx' });
      res.end(up ? 'ok' : '<html><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>');
    });
    try {
      for (const [app, conversation] of [
        [one, 'waiting-one'],
        [two, 'waiting-two'],
      ] as const) {
        const verdict = await sendActivity(app.url, message(conversation, `127.0.0.1:${site.port}/back shows 502 Bad Gateway`));
        expect(stateOf(verdict)).toBe('user.down');
        const watched = await sendActivity(
          app.url,
          message(conversation, '', { value: { gatewayDoctor: { intent: 'watch', state: 'user.down' } } }),
        );
        expect(stateOf(watched)).toBe('user.waiting');
      }
      expect((await one.watch.list()).map((s) => s.reference.conversation?.id).sort()).toEqual(['waiting-one', 'waiting-two']);

      up = true;
      const before = probes;
      const rounds = await Promise.all([one.watch.tick(), two.watch.tick()]);
      expect(rounds.reduce((sum, r) => sum + r.probed, 0)).toBe(1);
      expect(rounds.reduce((sum, r) => sum + r.notified, 0)).toBe(2);
      expect(probes - before).toBe(1);
      expect(connector.received.map((r) => r.conversation).sort()).toEqual(['waiting-one', 'waiting-two']);
      expect(connector.received.map((r) => r.body.channelData?.gatewayDoctor?.verdict)).toEqual(['up', 'up']);
      // The next rounds have nobody left to tell.
      await Promise.all([one.watch.tick(), two.watch.tick()]);
      expect(connector.received).toHaveLength(2);
      expect(await two.watch.list()).toEqual([]);
    } finally {
      await site.close();
    }
  });

  it('shrugs off junk in the shared keys (an older version, a hostile writer): a miss, never a crash', async () => {
    const site = await createHttpServer((_req, res) => {
      res.writeHead(200);
      res.end('ok');
    });
    const client = new Redis(redis().url);
    try {
      const target = `http://127.0.0.1:${site.port}/junk`;
      await client.set(`gd:probe:public:result:${cacheKey(new URL(target))}`, '{"verdict":"up","url":', 'PX', 60_000);
      await client.hset('gd:recent:rows', `127.0.0.1:${site.port}`, 'x'.repeat(100_000));
      await client.zadd('gd:recent:order', Date.now(), `127.0.0.1:${site.port}`);
      await client.set(`gd:limit:perHost:127.0.0.1`, 'not a number');
      for (const app of [one, two]) {
        const replies = await sendActivity(app.url, message(`junk-${app.port}`, `${target} shows 502 Bad Gateway`));
        expect(replies.at(-1)?.channelData?.gatewayDoctor?.verdict).toBeDefined();
        await app.core.recentChecks.refresh?.();
        expect((await fetch(`${app.url}/api/status`)).status).toBe(200);
        await expectHealthy(app.url);
      }
    } finally {
      client.disconnect();
      await site.close();
    }
  });

  it("lists on one instance's board what the other checked", async () => {
    const site = await createHttpServer((_req, res) => {
      res.writeHead(200);
      res.end('ok');
    });
    try {
      await sendActivity(one.url, message('board', `127.0.0.1:${site.port}/board shows 502 Bad Gateway`));
      await two.core.recentChecks.refresh?.();
      const res = await fetch(`${two.url}/api/status`);
      expect(res.status).toBe(200);
      const { checks } = (await res.json()) as { checks: { host: string; verdict: string }[] };
      expect(checks).toContainEqual(expect.objectContaining({ host: `127.0.0.1:${site.port}`, verdict: 'up' }));
    } finally {
      await site.close();
    }
  });
});
