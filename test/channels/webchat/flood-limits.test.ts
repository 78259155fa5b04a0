/**
 * Floods against the web chat endpoint, on a real server on loopback: posted activities are rate-limited
 * per conversation and per client address (429 + Retry-After), stored activities have a size cap (413),
 * history and answers are bounded, conversations are bounded and expire without any request, and the client
 * address is read from X-Forwarded-For only when TRUST_PROXY says so.
 */
import type { RunningApp } from '../../../src/index';
import { createClientAddress } from '../../../src/http/client-address';
import { MAX_STORED_USER_ACTIVITY_CHARS } from '../../../src/channels/webchat/directline-routes';
import { createTestApp } from '../../helpers/create-test-app';
import { healthWithin } from './helpers/raw-upgrade';
import { createWebChatTestServer, type WebChatTestServer } from './helpers/webchat-server';

interface Session {
  token: string;
  conversationId: string;
}

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
  text: string;
}

async function call(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the test looks at the text
  }
  return { status: response.status, headers: response.headers, json, text };
}

async function startSession(base: string, headers: Record<string, string> = {}): Promise<Session> {
  const issued = await call(`${base}/api/webchat/token`, { method: 'POST', headers });
  expect(issued.status).toBe(200);
  const session = issued.json as unknown as Session;
  const started = await call(`${base}/v3/directline/conversations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json', ...headers },
    body: '{}',
  });
  expect(started.status).toBe(201);
  return session;
}

function post(base: string, session: Session, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return call(`${base}/v3/directline/conversations/${session.conversationId}/activities`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

function history(base: string, session: Session, watermark?: string): Promise<Answer> {
  const query = watermark === undefined ? '' : `?watermark=${watermark}`;
  return call(`${base}/v3/directline/conversations/${session.conversationId}/activities${query}`, {
    headers: { Authorization: `Bearer ${session.token}` },
  });
}

function expectTooMany(answer: Answer): void {
  expect(answer.status).toBe(429);
  expect(answer.json).toMatchObject({ error: 'too_many_requests' });
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(answer.json.retryAfterSeconds).toBe(retryAfter);
}

describe('posted activities on the whole app', () => {
  let app: RunningApp;
  let base: string;
  beforeAll(async () => {
    app = await createTestApp();
    base = `http://127.0.0.1:${app.port}`;
  });
  afterAll(() => app.close());

  it('answers a flood of messages to one conversation with 429 and Retry-After, typing counted apart', async () => {
    const session = await startSession(base);
    const statuses: number[] = [];
    let limited: Answer | undefined;
    for (let i = 0; i < 15; i += 1) {
      const answer = await post(base, session, { type: 'message', text: `hello ${i}` });
      statuses.push(answer.status);
      if (answer.status === 429) limited ??= answer;
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(statuses.slice(10)).toEqual(Array(5).fill(429));
    expectTooMany(limited as Answer);
    // Typing indicators have their own, cheaper budget: a person still shows they are typing.
    expect((await post(base, session, { type: 'typing' })).status).toBe(200);
    expect(await healthWithin(base)).toMatchObject({ status: 200 });
  });

  it('answers a flood of typing indicators with 429 once their own budget is spent', async () => {
    const session = await startSession(base);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1) statuses.push((await post(base, session, { type: 'typing' })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expectTooMany(await post(base, session, { type: 'typing' }));
    expect((await post(base, session, { type: 'message', text: 'still allowed to talk' })).status).toBe(200);
  });

  it('answers a flood of history reads with 429 once the conversation has read its fill', async () => {
    const session = await startSession(base);
    const statuses: number[] = [];
    for (let i = 0; i < 160; i += 1) statuses.push((await history(base, session)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(150);
    expectTooMany(await history(base, session));
    // Reads have their own budget: the person can still talk.
    expect((await post(base, session, { type: 'message', text: 'still here' })).status).toBe(200);
    expect(await healthWithin(base)).toMatchObject({ status: 200 });
  });

  it('refuses an activity too large to keep with a 413 that says why', async () => {
    const session = await startSession(base);
    // Each part within its own cap; together more than a chat message is allowed to keep.
    const tooBig = await post(base, session, {
      type: 'message',
      text: 't'.repeat(4000),
      value: { note: 'v'.repeat(3900) },
      channelData: { extra: 'c'.repeat(1900) },
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json).toMatchObject({ error: 'activity_too_large', limit: MAX_STORED_USER_ACTIVITY_CHARS });
    expect(tooBig.json.size).toBeGreaterThan(MAX_STORED_USER_ACTIVITY_CHARS);
    // One part over its own cap is named.
    const bigValue = await post(base, session, { type: 'message', value: { blob: 'x'.repeat(5000) } });
    expect(bigValue.status).toBe(400);
    expect(bigValue.json).toMatchObject({ error: 'bad_request', issues: [{ path: 'value' }] });
    // Nothing of either was kept.
    const kept = await history(base, session);
    expect(kept.text).not.toContain('tttttttttt');
    expect(kept.text).not.toContain('xxxxxxxxxx');
    // A long message in Japanese fits: the cap counts characters, not UTF-8 bytes.
    expect((await post(base, session, { type: 'message', text: '五'.repeat(4000) })).status).toBe(200);
    expect(await healthWithin(base)).toMatchObject({ status: 200 });
  });
});

describe('history and conversations stay bounded', () => {
  let server: WebChatTestServer;
  afterEach(() => server.close());

  it('keeps a bounded history however much is posted, and answers it in bounded pages', async () => {
    server = await createWebChatTestServer({
      activityLimits: { turns: { perConversation: [{ points: 10_000, seconds: 60 }], perClient: [{ points: 10_000, seconds: 60 }] } },
    });
    const session = await startSession(server.url);
    for (let i = 0; i < 300; i += 1) {
      expect((await post(server.url, session, { type: 'message', text: `${i} ${'f'.repeat(3990)}` })).status).toBe(200);
    }
    const { activities, chars } = server.store.stats();
    expect(activities).toBeLessThanOrEqual(200);
    expect(chars).toBeLessThanOrEqual(512 * 1024);

    let watermark: string | undefined;
    let pages = 0;
    let total = 0;
    for (;;) {
      const page = await history(server.url, session, watermark);
      expect(page.status).toBe(200);
      // One page: at most 256K characters of activities plus the envelope.
      expect(page.text.length).toBeLessThan(260 * 1024);
      const got = (page.json.activities as unknown[]).length;
      if (got === 0) break;
      total += got;
      pages += 1;
      watermark = String(page.json.watermark);
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBeGreaterThan(1);
    expect(total).toBe(activities);
    expect(await healthWithin(server.url)).toMatchObject({ status: 200 });
  });

  it('keeps a bounded number of conversations however many are created', async () => {
    server = await createWebChatTestServer({ store: { maxConversations: 5 } });
    const sessions: Session[] = [];
    for (let i = 0; i < 12; i += 1) sessions.push(await startSession(server.url));
    expect(server.store.stats().conversations).toBe(5);
    const oldest = await history(server.url, sessions[0] as Session);
    expect(oldest.status).toBe(404);
    expect(oldest.json).toMatchObject({ error: 'conversation_not_found' });
    expect((await history(server.url, sessions[11] as Session)).status).toBe(200);
  });

  it('drops idle conversations on its own, with no request arriving', async () => {
    server = await createWebChatTestServer({ store: { idleMs: 60_000, sweepIntervalMs: 10 } });
    const sessions = [await startSession(server.url), await startSession(server.url)];
    expect(server.store.stats().conversations).toBe(2);
    server.clock.advance(61_000);
    const deadline = Date.now() + 3000;
    while (server.store.stats().conversations > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.store.stats()).toEqual({ conversations: 0, activities: 0, chars: 0 });
    expect((await history(server.url, sessions[0] as Session)).status).toBe(404);
  });
});

describe('the client address behind the per-client limits', () => {
  const spoofed = (n: number) => ({ 'X-Forwarded-For': `198.51.100.${n}` });

  it('ignores X-Forwarded-For without TRUST_PROXY: a spoofed header does not buy a new bucket', async () => {
    const app = await createTestApp();
    const base = `http://127.0.0.1:${app.port}`;
    try {
      for (let i = 0; i < 20; i += 1)
        expect((await call(`${base}/api/webchat/token`, { method: 'POST', headers: spoofed(i) })).status).toBe(200);
      expectTooMany(await call(`${base}/api/webchat/token`, { method: 'POST', headers: spoofed(99) }));
      expect(await healthWithin(base)).toMatchObject({ status: 200 });
    } finally {
      await app.close();
    }
  });

  it('honours X-Forwarded-For with TRUST_PROXY=1: each forwarded client has its own bucket', async () => {
    const app = await createTestApp({ TRUST_PROXY: '1' });
    const base = `http://127.0.0.1:${app.port}`;
    try {
      for (let i = 0; i < 20; i += 1)
        expect((await call(`${base}/api/webchat/token`, { method: 'POST', headers: spoofed(1) })).status).toBe(200);
      expectTooMany(await call(`${base}/api/webchat/token`, { method: 'POST', headers: spoofed(1) }));
      expect((await call(`${base}/api/webchat/token`, { method: 'POST', headers: spoofed(2) })).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('limits one address over all its conversations, and hands the bot the address from the request only', async () => {
    const server = await createWebChatTestServer({
      clientIp: createClientAddress({ kind: 'hops', hops: 1 }),
      activityLimits: { turns: { perConversation: [{ points: 10, seconds: 10 }], perClient: [{ points: 6, seconds: 60 }] } },
    });
    try {
      const sessions = [
        await startSession(server.url, spoofed(7)),
        await startSession(server.url, spoofed(7)),
        await startSession(server.url, spoofed(7)),
      ];
      const statuses: number[] = [];
      for (const session of sessions) {
        for (let i = 0; i < 3; i += 1)
          statuses.push((await post(server.url, session, { type: 'message', text: `m${i}` }, spoofed(7))).status);
      }
      // Fresh conversations (fresh user ids) from one address share its budget of six.
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429, 429]);
      const other = await startSession(server.url, spoofed(8));
      expect((await post(server.url, other, { type: 'message', text: 'hi' }, spoofed(8))).status).toBe(200);

      // What the bot learns is the request's address (the proxy's forwarded client), never the body's say.
      const before = server.bot.clientAddresses.length;
      await post(
        server.url,
        other,
        { type: 'message', text: 'who', channelData: { clientAddress: '203.0.113.9' }, clientAddress: '203.0.113.9' },
        spoofed(8),
      );
      expect(server.bot.clientAddresses.slice(before)).toEqual(['198.51.100.8']);
      expect(new Set(server.bot.clientAddresses)).toEqual(new Set(['198.51.100.7', '198.51.100.8']));
    } finally {
      await server.close();
    }
  });
});
