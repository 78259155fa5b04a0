/**
 * Direct Line through the whole app with the official botframework-directlinejs client, where the log lives
 * outside the process: (a) with SQLite, a chat survives a restart of the app and carries on at the machine's
 * same step; (b) with two app instances on one real redis-server, a chat started on A and posted to on B is
 * streamed on A, including the proactive "it's back" message. Then hostile reconnects against the real server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectLine, type Activity as ClientActivity } from 'botframework-directlinejs';
import Database from 'better-sqlite3';
import type { Subscription } from 'rxjs/Subscription';
import type { RunningApp } from '../../../src/index';
import { expectHealthy } from '../../helpers/attack';
import { createTestApp } from '../../helpers/create-test-app';
import { createHttpServer, type LoopbackServer } from '../../helpers/loopback-servers';
import { withRedisServer } from '../../helpers/redis-server';
import { withBrowserGlobals } from './helpers/browser-globals';
import { createRequest, jsonHeaders } from './helpers/http-client';
import { waitFor } from './helpers/webchat-server';

jest.setTimeout(30_000);

const SECRET = 'persistence-test-secret-0123456789';

type BotActivity = ClientActivity & { channelData?: { gatewayDoctor?: { state: string; verdict?: string } } };

interface Session {
  token: string;
  conversationId: string;
}

interface Client {
  directLine: DirectLine;
  received: BotActivity[];
  stop(): void;
}

const stateOf = (activity: BotActivity | undefined) => activity?.channelData?.gatewayDoctor?.state;
const baseOf = (app: RunningApp) => app.url.replace('localhost', '127.0.0.1');

async function newSession(app: RunningApp): Promise<Session> {
  const res = await fetch(`${baseOf(app)}/api/webchat/token`, { method: 'POST' });
  expect(res.status).toBe(200);
  return (await res.json()) as Session;
}

function connect(app: RunningApp, options: { token: string; webSocket: boolean; conversationId?: string; watermark?: string }): Client {
  const directLine = new DirectLine({ domain: `${baseOf(app)}/v3/directline`, pollingInterval: 200, ...options });
  const received: BotActivity[] = [];
  const subscription: Subscription = directLine.activity$.subscribe((activity) => received.push(activity as BotActivity));
  return {
    directLine,
    received,
    stop() {
      subscription.unsubscribe();
      directLine.end();
    },
  };
}

function send(directLine: DirectLine, text: string, value?: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    directLine
      .postActivity({ type: 'message', from: { id: 'ignored', role: 'user' }, text, ...(value ? { value } : {}) } as ClientActivity)
      .subscribe({ next: resolve, error: reject });
  });
}

/** The newest message the bot sent (replies only, no echo of the user's own). */
const lastBotState = (received: BotActivity[]) =>
  stateOf([...received].reverse().find((a) => a.from.role === 'bot' && a.type === 'message'));

// At file level, so the server outlives the apps that use it (a describe's afterAll runs first).
const redis = withRedisServer();
let restoreGlobals: () => void;
let site: LoopbackServer;
let siteStatus = 502;
let tempDir: string;
beforeAll(async () => {
  restoreGlobals = withBrowserGlobals();
  tempDir = mkdtempSync(join(tmpdir(), 'gd-dl-persist-'));
  site = await createHttpServer((_req, res) => {
    res.writeHead(siteStatus, { server: 'nginx', 'content-type': 'text/html' });
    res.end(siteStatus === 502 ? '<h1>502 Bad Gateway</h1><hr><center>nginx</center>' : '<h1>Shop</h1>');
  });
});
afterAll(async () => {
  await site.close();
  rmSync(tempDir, { recursive: true, force: true });
  restoreGlobals();
});

describe('with SQLite, a chat survives a restart', () => {
  let app: RunningApp | undefined;
  const clients: Client[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.stop();
    await app?.close();
    app = undefined;
  });

  it('reconnects with the same id, token and watermark, finds its history and goes on at the same step', async () => {
    siteStatus = 502;
    const env = { STORAGE: `sqlite:${join(tempDir, 'restart.sqlite')}`, WEBCHAT_TOKEN_SECRET: SECRET };
    app = await createTestApp(env);
    const session = await newSession(app);
    const before = connect(app, { token: session.token, webSocket: true });
    clients.push(before);
    await send(before.directLine, `${site.url} shows 502 Bad Gateway`);
    await waitFor(() => (lastBotState(before.received) === 'user.down' ? true : undefined), {
      what: 'the down verdict',
      timeoutMs: 10_000,
    });
    const historyBefore = before.received.filter((a) => a.type === 'message').map((a) => a.id);
    const watermark = String(before.received.length);
    before.stop();
    clients.pop();
    const port = app.port;
    await app.close();

    app = await createTestApp({ ...env, PORT: String(port) });
    const request = createRequest(baseOf(app));
    const history = await request('GET', `/v3/directline/conversations/${session.conversationId}/activities`, {
      headers: jsonHeaders(session.token),
    });
    expect(history.status).toBe(200);
    expect((history.json as { activities: BotActivity[] }).activities.map((a) => a.id)).toEqual(historyBefore);

    const after = connect(app, { token: session.token, webSocket: true, conversationId: session.conversationId, watermark });
    clients.push(after);
    await send(after.directLine, "Tell me when it's back", { gatewayDoctor: { intent: 'watch' } });
    await waitFor(() => (lastBotState(after.received) === 'user.waiting' ? true : undefined), { what: 'the watch confirmation' });
    // Nothing before the watermark came again.
    expect(after.received.map((a) => a.id).filter((id) => historyBefore.includes(id))).toEqual([]);
  });
});

describe('two instances on one Redis', () => {
  let a: RunningApp;
  let b: RunningApp;
  const clients: Client[] = [];
  beforeAll(async () => {
    const env = { STORAGE: redis().url, WEBCHAT_TOKEN_SECRET: SECRET, WATCH_INTERVAL_MS: '1000' };
    a = await createTestApp(env);
    b = await createTestApp(env);
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.stop();
    await a.close();
    await b.close();
  });

  it('streams on A what is posted on B, typing and the proactive "it is back" included', async () => {
    siteStatus = 502;
    const session = await newSession(a);
    const onA = connect(a, { token: session.token, webSocket: true });
    clients.push(onA);
    await waitFor(() => onA.received.find((a) => a.from.role === 'bot'), { what: 'the greeting on A', timeoutMs: 10_000 });

    const onB = createRequest(baseOf(b));
    const path = `/v3/directline/conversations/${session.conversationId}/activities`;
    const post = (body: unknown) => onB('POST', path, { headers: jsonHeaders(session.token), body: JSON.stringify(body) });
    expect((await post({ type: 'typing' })).status).toBe(200);
    await waitFor(() => onA.received.find((x) => x.type === 'typing'), { what: 'typing from B on A' });

    expect((await post({ type: 'message', text: `${site.url} shows 502 Bad Gateway` })).status).toBe(200);
    await waitFor(() => (lastBotState(onA.received) === 'user.down' ? true : undefined), { what: 'the verdict on A', timeoutMs: 10_000 });
    expect((await post({ type: 'message', text: "Tell me when it's back", value: { gatewayDoctor: { intent: 'watch' } } })).status).toBe(
      200,
    );
    await waitFor(() => (lastBotState(onA.received) === 'user.waiting' ? true : undefined), { what: 'the watch confirmation on A' });

    siteStatus = 200;
    const back = await waitFor(
      () => onA.received.find((x) => stateOf(x) === 'user.waiting' && x.channelData?.gatewayDoctor?.verdict === 'up'),
      { what: 'the proactive "it is back" on A', timeoutMs: 15_000 },
    );
    expect(back.from.role).toBe('bot');
    // The watermarks A saw are one sequence, whoever logged them.
    const ids = onA.received.filter((x) => x.type !== 'typing').map((x) => Number(String(x.id).split('|')[1]));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
  });

  it('unsubscribes from Redis when the stream closes', async () => {
    const session = await newSession(a);
    const client = connect(a, { token: session.token, webSocket: true });
    await waitFor(() => client.received.find((x) => x.from.role === 'bot'), { what: 'the greeting', timeoutMs: 10_000 });
    const { Redis } = await import('ioredis');
    const probe = new Redis(redis().url);
    try {
      const channel = `gd:webchat:ev:${session.conversationId}`;
      const count = async () => ((await probe.pubsub('NUMSUB', channel)) as [string, number])[1];
      expect(await count()).toBe(1);
      client.stop();
      const deadline = Date.now() + 3000;
      while ((await count()) !== 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await count()).toBe(0);
    } finally {
      await probe.quit();
    }
  });
  it('skips Redis entries and records corrupted by hand, on every instance', async () => {
    const session = await newSession(a);
    const started = await createRequest(baseOf(a))('POST', '/v3/directline/conversations', {
      headers: jsonHeaders(session.token),
      body: '{}',
    });
    expect(started.status).toBe(201);
    const { Redis } = await import('ioredis');
    const raw = new Redis(redis().url);
    try {
      const id = session.conversationId;
      await raw.rpush(`gd:webchat:l:${id}`, '{broken', '{"w":"x","c":1,"a":{}}', JSON.stringify({ w: 999, c: 5, a: { type: 'message' } }));
      await raw.publish(`gd:webchat:ev:${id}`, '{"kind":"logged","watermark":1,"activity":{"id":5}}');
      for (const app of [a, b]) {
        const list = await createRequest(baseOf(app))('GET', `/v3/directline/conversations/${id}/activities`, {
          headers: jsonHeaders(session.token),
        });
        expect(list.status).toBe(200);
        expect((list.json as { activities: { id: unknown }[] }).activities.every((x) => typeof x.id === 'string')).toBe(true);
      }
      await raw.hset(`gd:webchat:c:${id}`, 'record', '{"conversationId":null}');
      for (const app of [a, b]) {
        const reconnect = await createRequest(baseOf(app))('GET', `/v3/directline/conversations/${id}?watermark=`, {
          headers: jsonHeaders(session.token),
        });
        expect(reconnect.status).toBe(404);
        await expectHealthy(baseOf(app));
      }
    } finally {
      await raw.quit();
    }
  });

  it("spends one conversation's budget across the fleet, not once per instance", async () => {
    const session = await newSession(a);
    const started = await createRequest(baseOf(a))('POST', '/v3/directline/conversations', {
      headers: jsonHeaders(session.token),
      body: '{}',
    });
    expect(started.status).toBe(201);
    const path = `/v3/directline/conversations/${session.conversationId}/activities`;
    const statuses: number[] = [];
    // Typing: 20 per conversation in 10 s (DEFAULT_ACTIVITY_LIMITS), alternating between the instances.
    for (let i = 0; i < 24; i += 1) {
      const target = createRequest(baseOf(i % 2 === 0 ? a : b));
      statuses.push((await target('POST', path, { headers: jsonHeaders(session.token), body: '{"type":"typing"}' })).status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429]);
    await expectHealthy(baseOf(a));
    await expectHealthy(baseOf(b));
  });
});

describe('hostile reconnects against the real server (SQLite)', () => {
  let app: RunningApp;
  let request: ReturnType<typeof createRequest>;
  let session: Session;
  let other: Session;
  const file = () => join(tempDir, 'hostile.sqlite');
  beforeAll(async () => {
    app = await createTestApp({ STORAGE: `sqlite:${file()}`, WEBCHAT_TOKEN_SECRET: SECRET });
    request = createRequest(baseOf(app));
    session = await newSession(app);
    other = await newSession(app);
    for (const s of [session, other]) {
      const started = await request('POST', '/v3/directline/conversations', { headers: jsonHeaders(s.token), body: '{}' });
      expect(started.status).toBe(201);
    }
  });
  afterAll(() => app.close());

  const reconnect = (conversationId: string, token: string, watermark = '') =>
    request('GET', `/v3/directline/conversations/${encodeURIComponent(conversationId)}?watermark=${watermark}`, {
      headers: jsonHeaders(token),
    });

  it('refuses forged and other-conversation tokens', async () => {
    const [payload, signature] = session.token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ conversationId: other.conversationId, iat: 1, exp: 9_999_999_999 })).toString('base64url')}.${signature}`;
    expect((await reconnect(other.conversationId, forged)).status).toBe(403);
    expect((await reconnect(session.conversationId, `${payload}.AAAA`)).status).toBe(403);
    expect((await reconnect(other.conversationId, session.token)).json).toMatchObject({ error: 'forbidden' });
    expect((await reconnect(session.conversationId, 'x'.repeat(5000))).status).toBe(403);
    await expectHealthy(baseOf(app));
  });

  it('refuses an expired token with token_expired', async () => {
    const { createTokenService } = await import('../../../src/channels/webchat/tokens');
    const old = createTokenService({ secret: SECRET, now: () => Date.now() - 3_600_000 }).issue({ conversationId: session.conversationId });
    const answer = await reconnect(session.conversationId, old.token);
    expect(answer.status).toBe(403);
    expect(answer.json).toMatchObject({ error: 'token_expired' });
    await expectHealthy(baseOf(app));
  });

  it('answers garbage watermarks 400 and a huge one with nothing new', async () => {
    for (const watermark of ['-1', '1e309', 'abc', '9'.repeat(400), '%00', '1.5']) {
      expect((await reconnect(session.conversationId, session.token, watermark)).status).toBe(400);
      const list = await request('GET', `/v3/directline/conversations/${session.conversationId}/activities?watermark=${watermark}`, {
        headers: jsonHeaders(session.token),
      });
      expect(list.status).toBe(400);
    }
    const far = await request('GET', `/v3/directline/conversations/${session.conversationId}/activities?watermark=999999999999999`, {
      headers: jsonHeaders(session.token),
    });
    expect(far.status).toBe(200);
    expect((far.json as { activities: unknown[] }).activities).toEqual([]);
    await expectHealthy(baseOf(app));
  });

  it('answers 404 for a conversation that does not exist, with a valid token for it', async () => {
    const { createTokenService } = await import('../../../src/channels/webchat/tokens');
    const ghost = createTokenService({ secret: SECRET }).issue({ conversationId: 'never-started' });
    const answer = await reconnect('never-started', ghost.token);
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ error: 'conversation_not_found' });
    const posted = await request('POST', '/v3/directline/conversations/never-started/activities', {
      headers: jsonHeaders(ghost.token),
      body: JSON.stringify({ type: 'message', text: 'hi' }),
    });
    expect(posted.status).toBe(404);
    await expectHealthy(baseOf(app));
  });

  it('skips stored records corrupted by hand instead of crashing', async () => {
    const database = new Database(file());
    try {
      database.prepare("UPDATE webchat_activities SET json = '{broken' WHERE conversation_id = ?").run(session.conversationId);
      database.prepare(`UPDATE webchat_conversations SET record = '[1,2]' WHERE id = ?`).run(other.conversationId);
    } finally {
      database.close();
    }
    const list = await request('GET', `/v3/directline/conversations/${session.conversationId}/activities`, {
      headers: jsonHeaders(session.token),
    });
    expect(list.status).toBe(200);
    expect((list.json as { activities: unknown[] }).activities).toEqual([]);
    expect((await reconnect(other.conversationId, other.token)).status).toBe(404);
    const posted = await request('POST', `/v3/directline/conversations/${session.conversationId}/activities`, {
      headers: jsonHeaders(session.token),
      body: JSON.stringify({ type: 'message', text: 'still here?' }),
    });
    expect(posted.status).toBe(200);
    await expectHealthy(baseOf(app));
  });
});
