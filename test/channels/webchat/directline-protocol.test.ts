/**
 * The self-hosted Direct Line endpoint, driven by the real botframework-directlinejs client (polling and
 * WebSocket) and by raw HTTP for the refusals, against a real restify server on loopback.
 */
import { DirectLine, type Activity as DirectLineClientActivity } from 'botframework-directlinejs';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Subscription } from 'rxjs/Subscription';
import { WebSocket } from 'ws';
import { createHttpServer, type LoopbackServer } from '../../helpers/loopback-servers';
import { withBrowserGlobals } from './helpers/browser-globals';
import { CARD_SUBMIT_DATA } from './helpers/echo-bot';
import { createRequest, jsonHeaders } from './helpers/http-client';
import { createWebChatTestServer, waitFor, type WebChatTestServer } from './helpers/webchat-server';
import { createTokenService } from '../../../src/channels/webchat/tokens';

interface Session {
  token: string;
  conversationId: string;
  userId: string;
  expires_in: number;
}

interface ClientHandle {
  directLine: DirectLine;
  received: DirectLineClientActivity[];
  stop(): void;
}

let restoreGlobals: () => void;
beforeAll(() => {
  restoreGlobals = withBrowserGlobals();
});
afterAll(() => restoreGlobals());

async function newSession(server: WebChatTestServer): Promise<Session> {
  const response = await createRequest(server.url)('POST', '/api/webchat/token', { headers: jsonHeaders(), body: '{}' });
  expect(response.status).toBe(200);
  return response.json as Session;
}

function connect(
  server: WebChatTestServer,
  options: { token: string; webSocket: boolean; conversationId?: string; watermark?: string },
): ClientHandle {
  const directLine = new DirectLine({ domain: `${server.url}/v3/directline`, pollingInterval: 200, ...options });
  const received: DirectLineClientActivity[] = [];
  const subscription: Subscription = directLine.activity$.subscribe((activity) => received.push(activity));
  return {
    directLine,
    received,
    stop() {
      subscription.unsubscribe();
      directLine.end();
    },
  };
}

function post(directLine: DirectLine, activity: Partial<DirectLineClientActivity>): Promise<string> {
  return new Promise((resolve, reject) => {
    directLine
      .postActivity({ from: { id: 'whoever-the-client-says' }, ...activity } as DirectLineClientActivity)
      .subscribe(resolve, reject);
  });
}

const texts = (activities: DirectLineClientActivity[]): (string | undefined)[] =>
  activities.map((a) => (a.type === 'message' ? a.text : undefined)).filter((t) => t !== undefined);

describe('Direct Line protocol with the real client', () => {
  let server: WebChatTestServer;
  let request: ReturnType<typeof createRequest>;
  beforeAll(async () => {
    server = await createWebChatTestServer({ keepAliveMs: 50 });
    request = createRequest(server.url);
  });
  afterAll(() => server.close());

  it('greets, echoes and forces the user id when polling', async () => {
    const session = await newSession(server);
    expect(session.userId).toMatch(/^dl_/);
    expect(session.expires_in).toBe(1800);
    const client = connect(server, { token: session.token, webSocket: false });
    try {
      await waitFor(() => client.received.find((a) => a.type === 'message' && a.text === 'welcome'), { what: 'greeting' });
      const id = await post(client.directLine, { type: 'message', text: 'hello' });
      expect(id).toMatch(new RegExp(`^${session.conversationId}\\|\\d{7}$`));
      await waitFor(() => client.received.find((a) => a.type === 'message' && a.text === 'echo: hello'), { what: 'echo' });
      const mine = client.received.find((a) => a.id === id);
      expect(mine).toMatchObject({ text: 'hello', from: { id: session.userId, role: 'user' }, channelId: 'webchat' });
      const toBot = server.bot.received.find((a) => a.text === 'hello');
      expect(toBot).toMatchObject({ from: { id: session.userId }, channelId: 'webchat', conversation: { id: session.conversationId } });
      expect(toBot?.serviceUrl).toBe(`${server.url}/v3/directline`);
      const membersAdded = server.bot.received.find(
        (a) => a.type === 'conversationUpdate' && a.conversation?.id === session.conversationId,
      );
      expect(membersAdded?.membersAdded?.map((m) => m.id)).toEqual(['gateway-doctor', session.userId]);
      // The bot's reply points at the user's message.
      expect(
        (client.received.find((a) => a.type === 'message' && a.text === 'echo: hello') as { replyToId?: string } | undefined)?.replyToId,
      ).toBe(id);
    } finally {
      client.stop();
    }
  });

  it('echoes over the WebSocket stream and delivers card submissions as values', async () => {
    const session = await newSession(server);
    const client = connect(server, { token: session.token, webSocket: true });
    try {
      await waitFor(() => client.received.find((a) => a.type === 'message' && a.text === 'welcome'), { what: 'greeting' });
      await post(client.directLine, { type: 'message', text: 'over the socket' });
      await waitFor(() => client.received.find((a) => a.type === 'message' && a.text === 'echo: over the socket'), { what: 'echo' });
      await post(client.directLine, { type: 'message', value: CARD_SUBMIT_DATA } as Partial<DirectLineClientActivity>);
      await waitFor(() => client.received.find((a) => a.type === 'message' && a.text === 'submitted intent yes'), {
        what: 'value echo',
      });
      expect(server.stream.connections).toBeGreaterThanOrEqual(1);
    } finally {
      client.stop();
    }
  });

  it('resumes from a watermark with nothing lost and nothing repeated', async () => {
    const session = await newSession(server);
    const first = connect(server, { token: session.token, webSocket: false });
    let watermark = '';
    try {
      await post(first.directLine, { type: 'message', text: 'one' });
      await waitFor(() => first.received.find((a) => a.type === 'message' && a.text === 'echo: one'), { what: 'first echo' });
      watermark = (first.directLine as unknown as { watermark: string }).watermark; // private in the typings
    } finally {
      first.stop();
    }
    expect(Number(watermark)).toBeGreaterThanOrEqual(3);

    // While nobody listens, the bot says two things (the "it's back" kind of message).
    const reference = {
      conversation: { id: session.conversationId, isGroup: false, conversationType: '', name: '' },
      user: { id: session.userId, name: '' },
    };
    for (const text of ['missed 1', 'missed 2']) {
      await server.adapter.continueConversation(reference, async (context) => {
        await context.sendActivity(text);
      });
    }

    const second = connect(server, { token: session.token, webSocket: true, conversationId: session.conversationId, watermark });
    try {
      await waitFor(() => (texts(second.received).includes('missed 2') ? true : undefined), { what: 'missed messages' });
      await post(second.directLine, { type: 'message', text: 'two' });
      await waitFor(() => second.received.find((a) => a.type === 'message' && a.text === 'echo: two'), { what: 'second echo' });
      expect(texts(second.received)).toEqual(['missed 1', 'missed 2', 'two', 'echo: two']);
      const ids = second.received.map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      second.stop();
    }
  });

  it('refreshes and regenerates tokens for the same conversation', async () => {
    const session = await newSession(server);
    server.clock.advance(60_000);
    const refreshed = await request('POST', '/v3/directline/tokens/refresh', { headers: jsonHeaders(session.token) });
    expect(refreshed.status).toBe(200);
    const body = refreshed.json as Session;
    expect(body.conversationId).toBe(session.conversationId);
    expect(body.token).not.toBe(session.token);
    expect(server.tokens.verify(body.token)).toMatchObject({
      ok: true,
      claims: { conversationId: session.conversationId, userId: session.userId },
    });
    const generated = await request('POST', '/v3/directline/tokens/generate', { headers: jsonHeaders(session.token) });
    expect(generated.status).toBe(200);
    expect(generated.json).toMatchObject({ conversationId: session.conversationId, expires_in: 1800 });
  });

  describe('refusals', () => {
    let session: Session;
    let other: Session;
    beforeAll(async () => {
      session = await newSession(server);
      other = await newSession(server);
      for (const s of [session, other]) {
        const started = await request('POST', '/v3/directline/conversations', { headers: jsonHeaders(s.token), body: '{}' });
        expect(started.status).toBe(201);
      }
    });
    const activities = (id: string) => `/v3/directline/conversations/${id}/activities`;

    it('answers 401 without a token', async () => {
      const response = await request('GET', activities(session.conversationId));
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.json).toMatchObject({ error: 'unauthorized' });
      expect((await request('POST', '/v3/directline/conversations', { headers: jsonHeaders('') })).status).toBe(401);
    });

    it('answers 403 for a forged token', async () => {
      const forger = createTokenService({ secret: 'not-the-server-secret-0123456789' });
      const forged = forger.issue({ conversationId: session.conversationId, userId: session.userId }).token;
      const response = await request('GET', activities(session.conversationId), { headers: jsonHeaders(forged) });
      expect(response.status).toBe(403);
      expect(response.json).toMatchObject({ error: 'forbidden' });
      const tampered = `${session.token.slice(0, -2)}${session.token.endsWith('AA') ? 'BB' : 'AA'}`;
      expect((await request('GET', activities(session.conversationId), { headers: jsonHeaders(tampered) })).status).toBe(403);
    });

    it("answers 403 for another conversation's token", async () => {
      const read = await request('GET', activities(session.conversationId), { headers: jsonHeaders(other.token) });
      expect(read.status).toBe(403);
      const write = await request('POST', activities(session.conversationId), {
        headers: jsonHeaders(other.token),
        body: JSON.stringify({ type: 'message', text: 'hi' }),
      });
      expect(write.status).toBe(403);
      const reconnect = await request('GET', `/v3/directline/conversations/${session.conversationId}`, {
        headers: jsonHeaders(other.token),
      });
      expect(reconnect.status).toBe(403);
    });

    it('answers 403 for an expired token, and refuses to refresh it', async () => {
      const fresh = await newSession(server);
      await request('POST', '/v3/directline/conversations', { headers: jsonHeaders(fresh.token), body: '{}' });
      server.clock.advance(31 * 60 * 1000);
      const read = await request('GET', activities(fresh.conversationId), { headers: jsonHeaders(fresh.token) });
      expect(read.status).toBe(403);
      expect(read.json).toMatchObject({ error: 'token_expired' });
      expect((await request('POST', '/v3/directline/tokens/refresh', { headers: jsonHeaders(fresh.token) })).status).toBe(403);
      // Later sessions get tokens valid at the moved clock.
      session = await newSession(server);
      other = await newSession(server);
      for (const s of [session, other])
        await request('POST', '/v3/directline/conversations', { headers: jsonHeaders(s.token), body: '{}' });
    });

    it('answers 404 for a conversation that was never started', async () => {
      const unstarted = await newSession(server);
      const response = await request('GET', activities(unstarted.conversationId), { headers: jsonHeaders(unstarted.token) });
      expect(response.status).toBe(404);
    });

    it('answers 400 with a JSON error for an invalid activity, invalid JSON and a bad watermark', async () => {
      const invalid = await request('POST', activities(session.conversationId), {
        headers: jsonHeaders(session.token),
        body: JSON.stringify({ text: 'no type', from: { id: 'x' } }),
      });
      expect(invalid.status).toBe(400);
      expect(invalid.json).toMatchObject({ error: 'bad_request', issues: [{ path: 'type' }] });
      const tooLong = await request('POST', activities(session.conversationId), {
        headers: jsonHeaders(session.token),
        body: JSON.stringify({ type: 'message', text: 'x'.repeat(4001) }),
      });
      expect(tooLong.status).toBe(400);
      const broken = await request('POST', activities(session.conversationId), {
        headers: jsonHeaders(session.token),
        body: '{"type": "mess',
      });
      expect(broken.status).toBe(400);
      expect(broken.json).toMatchObject({ error: 'bad_request' });
      expect(broken.text).not.toMatch(/at .*\.js:\d+/);
      const watermark = await request('GET', `${activities(session.conversationId)}?watermark=abc`, {
        headers: jsonHeaders(session.token),
      });
      expect(watermark.status).toBe(400);
    });

    it('answers 413 for a body over the server limit', async () => {
      const huge = JSON.stringify({ type: 'message', text: 'x'.repeat(300 * 1024) });
      const response = await request('POST', activities(session.conversationId), { headers: jsonHeaders(session.token), body: huge });
      expect(response.status).toBe(413);
      expect(response.json).toMatchObject({ error: 'payload_too_large' });
    });

    it('never lets the body choose the sender', async () => {
      const response = await request('POST', activities(session.conversationId), {
        headers: jsonHeaders(session.token),
        body: JSON.stringify({ type: 'message', text: 'who am i', from: { id: other.userId, role: 'bot' }, channelId: 'msteams' }),
      });
      expect(response.status).toBe(200);
      const toBot = server.bot.received.find((a) => a.text === 'who am i');
      expect(toBot).toMatchObject({ from: { id: session.userId, role: 'user' }, channelId: 'webchat' });
    });
  });

  describe('the WebSocket stream', () => {
    const streamUrlFor = (s: Session, token = s.token, watermark = '') =>
      `ws://127.0.0.1:${server.port}/v3/directline/conversations/${s.conversationId}/stream?watermark=${watermark}&t=${encodeURIComponent(token)}`;

    const refusalStatus = (url: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('open', () => reject(new Error('the stream accepted the connection')));
        ws.on('error', () => undefined);
      });

    it('refuses connections without, with a forged, or with a foreign token', async () => {
      const session = await newSession(server);
      const other = await newSession(server);
      for (const s of [session, other])
        await request('POST', '/v3/directline/conversations', { headers: jsonHeaders(s.token), body: '{}' });
      expect(await refusalStatus(streamUrlFor(session).replace(/&t=.*$/, ''))).toBe(401);
      const forged = createTokenService({ secret: 'not-the-server-secret-0123456789' }).issue({
        conversationId: session.conversationId,
      }).token;
      expect(await refusalStatus(streamUrlFor(session, forged))).toBe(403);
      expect(await refusalStatus(streamUrlFor(session, other.token))).toBe(403);
      expect(await refusalStatus(`ws://127.0.0.1:${server.port}/not/a/stream`)).toBe(404);
    });

    it('sends the backlog after the watermark, keep-alives, then closes when the token expires', async () => {
      const session = await newSession(server);
      const started = await request('POST', '/v3/directline/conversations', { headers: jsonHeaders(session.token), body: '{}' });
      const { streamUrl } = started.json as { streamUrl: string };
      expect(streamUrl).toBe(streamUrlFor(session, (started.json as { token: string }).token));
      await request('POST', `/v3/directline/conversations/${session.conversationId}/activities`, {
        headers: jsonHeaders(session.token),
        body: JSON.stringify({ type: 'message', text: 'before the stream' }),
      });

      const messages: string[] = [];
      const ws = new WebSocket(streamUrlFor(session, session.token, '1'));
      ws.on('message', (data) => messages.push(String(data)));
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
      );
      await waitFor(() => (messages.includes('') ? true : undefined), { what: 'a keep-alive' });
      const sets = messages.filter((m) => m !== '').map((m) => JSON.parse(m) as { activities: { text?: string }[]; watermark?: string });
      // Watermark 1 was the greeting: the backlog starts after it.
      expect(sets[0]?.activities.map((a) => a.text)).toEqual(['before the stream', 'echo: before the stream']);
      expect(sets[0]?.watermark).toBe('3');

      server.clock.advance(31 * 60 * 1000);
      expect(await closed).toEqual({ code: 1008, reason: 'token expired' });
    });
  });
});

describe('POST /api/webchat/token', () => {
  it('checks Origin against the allowed list, and always allows our own pages', async () => {
    const server = await createWebChatTestServer({ allowedOrigins: ['https://help.example.com'] });
    const request = createRequest(server.url);
    try {
      const allowed = await request('POST', '/api/webchat/token', { headers: { Origin: 'https://help.example.com' } });
      expect(allowed.status).toBe(200);
      expect(allowed.headers['cache-control']).toBe('no-store');
      const own = await request('POST', '/api/webchat/token', { headers: { Origin: server.url } });
      expect(own.status).toBe(200);
      const foreign = await request('POST', '/api/webchat/token', { headers: { Origin: 'https://evil.example' } });
      expect(foreign.status).toBe(403);
      expect(foreign.json).toMatchObject({ error: 'origin_not_allowed' });
      expect((await request('POST', '/api/webchat/token')).status).toBe(403);
    } finally {
      await server.close();
    }
  });

  it('rate-limits per client address with 429 and Retry-After', async () => {
    const server = await createWebChatTestServer({ tokenRateLimiter: new RateLimiterMemory({ points: 2, duration: 60 }) });
    const request = createRequest(server.url);
    try {
      expect((await request('POST', '/api/webchat/token')).status).toBe(200);
      expect((await request('POST', '/api/webchat/token')).status).toBe(200);
      const limited = await request('POST', '/api/webchat/token');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(limited.json).toMatchObject({ error: 'too_many_requests' });
    } finally {
      await server.close();
    }
  });

  describe("with Azure's Direct Line (DIRECTLINE_SECRET)", () => {
    let azure: LoopbackServer;
    let azureStatus = 200;
    const seen: { authorization?: string; body?: unknown }[] = [];
    beforeAll(async () => {
      azure = await createHttpServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          seen.push({ authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') });
          if (req.method !== 'POST' || req.url !== '/v3/directline/tokens/generate' || azureStatus !== 200) {
            res.statusCode = azureStatus === 200 ? 404 : azureStatus;
            res.end();
            return;
          }
          // restify patches ServerResponse.prototype.writeHead so that it no longer returns `this`: no chaining.
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify({ conversationId: 'azure-conv', token: 'azure-token', expires_in: 3600 }));
        });
      });
    });
    afterAll(() => azure.close());

    it("hands out Azure's token and domain, sending the secret and a dl_ user id", async () => {
      const baseUrl = azure.url.replace(/\/$/, '');
      const server = await createWebChatTestServer({ azure: { secret: 'azure-secret', baseUrl } });
      try {
        const response = await createRequest(server.url)('POST', '/api/webchat/token');
        expect(response.status).toBe(200);
        expect(response.json).toMatchObject({
          token: 'azure-token',
          conversationId: 'azure-conv',
          expires_in: 3600,
          domain: `${baseUrl}/v3/directline`,
        });
        expect(seen.at(-1)?.authorization).toBe('Bearer azure-secret');
        expect(seen.at(-1)?.body).toEqual({ user: { id: (response.json as { userId: string }).userId } });
        expect((response.json as { userId: string }).userId).toMatch(/^dl_/);

        azureStatus = 500;
        const failed = await createRequest(server.url)('POST', '/api/webchat/token');
        expect(failed.status).toBe(502);
        expect(failed.json).toMatchObject({ error: 'directline_unavailable' });
        expect(failed.text).not.toContain('azure-secret');
      } finally {
        azureStatus = 200;
        await server.close();
      }
    });
  });
});
