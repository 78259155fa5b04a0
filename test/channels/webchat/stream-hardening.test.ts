/**
 * The WebSocket upgrade and the stream's frame handlers against hostile clients, on the whole app
 * (createTestApp) and on the real entry point in its own process: nothing a client sends may throw out of
 * the `upgrade` listener (Node would exit), and the server must answer /healthz promptly afterwards.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { WebSocket } from 'ws';
import { parseStreamTarget } from '../../../src/channels/webchat/directline-stream';
import type { RunningApp } from '../../../src/index';
import { createTestApp } from '../../helpers/create-test-app';
import { healthWithin, rawExchange, upgradeRequest } from './helpers/raw-upgrade';
import { createWebChatTestServer } from './helpers/webchat-server';

const ROOT = path.join(__dirname, '..', '..', '..');

/** Request targets that once threw inside the upgrade listener, or could. */
const MALFORMED_TARGETS = [
  '/v3/directline/conversations/%E0%A4%A/stream',
  '/v3/directline/conversations/%/stream?t=x',
  '/v3/directline/conversations/%C0%AF/stream',
  '/v3/directline/conversations/%ED%A0%80/stream',
  `/v3/directline/conversations/${'a'.repeat(300)}/stream`,
  '//',
  '//evil.example/v3/directline/conversations/abc/stream',
  'http://[::1',
  '*',
];

interface Session {
  token: string;
  conversationId: string;
  streamUrl: string;
}

async function startSession(baseUrl: string, headers: Record<string, string> = {}): Promise<Session> {
  const issued = await fetch(`${baseUrl}/api/webchat/token`, { method: 'POST', headers });
  expect(issued.status).toBe(200);
  const { token } = (await issued.json()) as { token: string };
  const started = await fetch(`${baseUrl}/v3/directline/conversations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
    body: '{}',
  });
  expect(started.status).toBe(201);
  return (await started.json()) as Session;
}

function openSocket(url: string): Promise<{ ws: WebSocket; messages: string[]; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const messages: string[] = [];
    ws.on('message', (data) => messages.push(String(data)));
    ws.on('error', () => undefined);
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      ws.on('close', (code, reason) => done({ code, reason: String(reason) })),
    );
    ws.once('open', () => resolve({ ws, messages, closed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`stream refused with ${res.statusCode}`)));
  });
}

describe('reading an upgrade target', () => {
  it.each([
    ['/v3/directline/conversations/abc/stream?t=tok&watermark=3', { kind: 'stream', conversationId: 'abc' }],
    ['/v3/directline/conversations/a%7Cb/stream', { kind: 'stream', conversationId: 'a|b' }],
    ['/v3/directline/conversations/abc/activities', { kind: 'other' }],
    ['/somewhere/else', { kind: 'other' }],
    ['/v3/directline/conversations/%E0%A4%A/stream', { kind: 'malformed', ours: true }],
    ['//', { kind: 'malformed', ours: false }],
    ['http://[::1', { kind: 'malformed', ours: false }],
    ['', { kind: 'malformed', ours: false }],
  ])('reads %j without throwing', (target, expected) => {
    expect(parseStreamTarget(target)).toMatchObject(expected);
  });

  it('reads the query leniently', () => {
    const target = parseStreamTarget('/v3/directline/conversations/abc/stream?t=%E0%A4%A&watermark=%');
    expect(target.kind === 'stream' && [target.query.get('t'), target.query.get('watermark')]).toEqual(['\uFFFD%A', '%']);
  });
});

describe('the stream upgrade on the whole app', () => {
  let app: RunningApp;
  let base: string;
  beforeAll(async () => {
    app = await createTestApp();
    base = `http://127.0.0.1:${app.port}`;
  });
  afterAll(() => app.close());

  it.each(MALFORMED_TARGETS)('answers 400 to the upgrade target %s and stays healthy', async (target) => {
    const answer = await rawExchange(app.port, upgradeRequest(target));
    expect(answer.status).toBe(400);
    expect(answer.closed).toBe(true);
    expect(answer.text).not.toMatch(/URIError|at .*\.[jt]s:\d+/);
    expect(await healthWithin(base)).toMatchObject({ status: 200 });
  });

  it('survives clients that reset the connection right after a malformed upgrade', async () => {
    for (const target of MALFORMED_TARGETS) await rawExchange(app.port, upgradeRequest(target), { reset: true, timeoutMs: 200 });
    await rawExchange(app.port, upgradeRequest('/not/a/stream'), { reset: true, timeoutMs: 200 });
    expect(await healthWithin(base)).toMatchObject({ status: 200 });
  });

  it('refuses a valid stream request with a broken handshake, as ws decides, and stays healthy', async () => {
    const session = await startSession(base);
    const target = new URL(session.streamUrl).pathname + new URL(session.streamUrl).search;
    const cases: [string, string][] = [
      ['no key', upgradeRequest(target, { 'Sec-WebSocket-Key': undefined })],
      ['a key that is not 16 bytes', upgradeRequest(target, { 'Sec-WebSocket-Key': 'short' })],
      ['an unknown version', upgradeRequest(target, { 'Sec-WebSocket-Version': '99' })],
      ['no version', upgradeRequest(target, { 'Sec-WebSocket-Version': undefined })],
      ['another protocol', upgradeRequest(target, { Upgrade: 'h2c' })],
      ['POST', upgradeRequest(target, {}, 'POST')],
    ];
    for (const [label, request] of cases) {
      const answer = await rawExchange(app.port, request);
      expect({ label, client: answer.status !== undefined && answer.status >= 400 && answer.status < 500 }).toEqual({
        label,
        client: true,
      });
      expect(await healthWithin(base)).toMatchObject({ status: 200 });
    }
    // Garbage instead of HTTP, and headers cut short, are the HTTP parser's to refuse.
    expect((await rawExchange(app.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]))).closed).toBe(true);
    await rawExchange(app.port, 'GET /v3/directline/conversations/x/stream HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n', {
      reset: true,
      timeoutMs: 100,
    });
    expect(await healthWithin(base)).toMatchObject({ status: 200 });
  });

  it('closes a socket that sends an oversized frame (1009) or invalid UTF-8 (1007), and ignores binary frames', async () => {
    const session = await startSession(base);
    const big = await openSocket(session.streamUrl);
    big.ws.send('x'.repeat(64 * 1024));
    expect((await big.closed).code).toBe(1009);
    expect(await healthWithin(base)).toMatchObject({ status: 200 });

    const garbled = await openSocket(session.streamUrl);
    garbled.ws.send(Buffer.from([0xc3, 0x28, 0xff, 0xfe]), { binary: false });
    expect((await garbled.closed).code).toBe(1007);
    expect(await healthWithin(base)).toMatchObject({ status: 200 });

    // Binary frames carry nothing a Direct Line client sends: they are ignored and the stream goes on.
    const binary = await openSocket(session.streamUrl);
    binary.ws.send(Buffer.from([0, 1, 2, 3]), { binary: true });
    const posted = await fetch(`${base}/v3/directline/conversations/${session.conversationId}/activities`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'still here' }),
    });
    expect(posted.status).toBe(200);
    const deadline = Date.now() + 5000;
    while (!binary.messages.some((m) => m.includes('still here')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(binary.messages.some((m) => m.includes('still here'))).toBe(true);
    binary.ws.close();
    await binary.closed;
    expect(await healthWithin(base)).toMatchObject({ status: 200 });
  });

  it('cuts off a socket that floods frames or pings', async () => {
    const session = await startSession(base);
    for (const flood of [(ws: WebSocket) => ws.ping(), (ws: WebSocket) => ws.send('')]) {
      const open = await openSocket(session.streamUrl);
      for (let i = 0; i < 150 && open.ws.readyState === WebSocket.OPEN; i += 1) flood(open.ws);
      expect((await open.closed).code).toBe(1006);
      expect(await healthWithin(base)).toMatchObject({ status: 200 });
    }
  });

  it('answers the REST routes with the same malformed ids with a JSON 4xx, never a crash', async () => {
    const targets = [
      ['GET', '/v3/directline/conversations/%E0%A4%A/activities'],
      ['POST', '/v3/directline/conversations/%/activities'],
      ['GET', '/v3/directline/conversations/%E0%A4%A'],
      ['GET', '/v3/directline/conversations/abc/activities?watermark=%E0%A4%A'],
      ['GET', '//'],
    ];
    for (const [method, target] of targets) {
      const request = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
      const answer = await rawExchange(app.port, request);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.text).toMatch(/"error":"[a-z_]+"/);
      expect(await healthWithin(base)).toMatchObject({ status: 200 });
    }
  });
});

describe('stream connection bounds', () => {
  it('answers 503 beyond the process-wide socket cap and accepts again once one closes', async () => {
    const server = await createWebChatTestServer({ maxStreamConnections: 2 });
    const base = server.url;
    try {
      const sessions = [await startSession(base), await startSession(base), await startSession(base)];
      const [first, second] = [await openSocket(sessions[0]!.streamUrl), await openSocket(sessions[1]!.streamUrl)];
      const target = new URL(sessions[2]!.streamUrl);
      const refused = await rawExchange(server.port, upgradeRequest(target.pathname + target.search));
      expect(refused.status).toBe(503);
      expect(refused.text).toContain('too_many_connections');
      expect(await healthWithin(base)).toMatchObject({ status: 200 });
      first.ws.close();
      await first.closed;
      const third = await openSocket(sessions[2]!.streamUrl);
      expect(server.stream.connections).toBe(2);
      for (const open of [second, third]) open.ws.close();
      await Promise.all([second.closed, third.closed]);
    } finally {
      await server.close();
    }
  });

  it('closes live sockets of a conversation the store dropped', async () => {
    const server = await createWebChatTestServer({ store: { maxConversations: 1 } });
    try {
      const session = await startSession(server.url);
      const open = await openSocket(session.streamUrl);
      // A second conversation pushes the first out of a store that keeps one.
      await startSession(server.url);
      expect(await open.closed).toEqual({ code: 4001, reason: 'conversation ended' });
    } finally {
      await server.close();
    }
  });
});

describe('the real entry point in its own process', () => {
  jest.setTimeout(60_000);
  let child: ChildProcessWithoutNullStreams | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('keeps running and answering after every malformed upgrade', async () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    child = spawn(tsx, [path.join(ROOT, 'src', 'index.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', STORAGE: 'memory', LOG_LEVEL: 'info' },
    });
    const running = child;
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      running.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const listening = /"port":(\d+)[^\n]*"msg":"gateway doctor listening"/.exec(output);
        if (listening?.[1]) resolve(Number(listening[1]));
      });
      running.once('exit', (code) => reject(new Error(`the app exited (${code}) before listening:\n${output}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    for (const target of MALFORMED_TARGETS) {
      expect((await rawExchange(port, upgradeRequest(target))).status).toBe(400);
      expect(await healthWithin(base)).toMatchObject({ status: 200 });
    }
    expect(running.exitCode).toBeNull();
    expect(output).not.toContain('URIError');
  });
});
