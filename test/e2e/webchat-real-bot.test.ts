/**
 * The whole product through web chat's own client: the official botframework-directlinejs talks to our
 * Direct Line endpoint, the real bot answers about real loopback sites, "tell me when it's back" arrives
 * proactively, and a hand-off reaches a signed webhook (a loopback receiver plays the ticketing system).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DirectLine, type Activity as ClientActivity } from 'botframework-directlinejs';
import type { Subscription } from 'rxjs/Subscription';
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../src/channels/handoff/handoff-targets';
import { createI18n, translatorFor } from '../../src/core/i18n';
import type { RunningApp } from '../../src/index';
import { createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';
import { createTestApp } from '../helpers/create-test-app';
import { withBrowserGlobals } from '../channels/webchat/helpers/browser-globals';

jest.setTimeout(30_000);

const WEBHOOK_SECRET = 'handoff-secret-for-tests';

interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
}

type BotActivity = ClientActivity & {
  channelData?: { gatewayDoctor?: { state: string; verdict?: string; producer?: string } };
  summary?: string;
};

async function createWebhookReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, raw });
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/gateway-doctor`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('web chat with the real bot', () => {
  let restoreGlobals: () => void;
  let app: RunningApp;
  let webhook: Awaited<ReturnType<typeof createWebhookReceiver>>;
  let site: LoopbackServer;
  let siteStatus = 502;
  const clients: { directLine: DirectLine; subscription: Subscription }[] = [];

  beforeAll(async () => {
    restoreGlobals = withBrowserGlobals();
    webhook = await createWebhookReceiver();
    site = await createHttpServer((_req, res) => {
      res.writeHead(siteStatus, { server: 'nginx', 'content-type': 'text/html' });
      res.end(siteStatus === 502 ? '<h1>502 Bad Gateway</h1><hr><center>nginx</center>' : '<h1>Shop</h1>');
    });
    app = await createTestApp({
      HANDOFF_WEBHOOK_URL: webhook.url,
      HANDOFF_WEBHOOK_SECRET: WEBHOOK_SECRET,
      WATCH_INTERVAL_MS: '1000',
    });
  });
  afterAll(async () => {
    for (const client of clients) {
      client.subscription.unsubscribe();
      client.directLine.end();
    }
    await app.close();
    await webhook.close();
    await site.close();
    restoreGlobals();
  });

  async function connect(): Promise<{ send(text: string, value?: unknown): Promise<void>; received: BotActivity[] }> {
    const res = await fetch(`${app.url.replace('localhost', '127.0.0.1')}/api/webchat/token`, { method: 'POST' });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const directLine = new DirectLine({
      token,
      domain: `${app.url.replace('localhost', '127.0.0.1')}/v3/directline`,
      webSocket: false,
      pollingInterval: 100,
    });
    const received: BotActivity[] = [];
    const subscription = directLine.activity$.subscribe((activity) => {
      if (activity.from.role === 'bot' && activity.type === 'message') received.push(activity as BotActivity);
    });
    clients.push({ directLine, subscription });
    const send = async (text: string, value?: unknown) => {
      await new Promise<void>((resolve, reject) => {
        directLine
          .postActivity({
            type: 'message',
            from: { id: 'ignored-by-server', role: 'user' },
            text,
            ...(value ? { value } : {}),
          } as ClientActivity)
          .subscribe({ next: () => resolve(), error: reject });
      });
    };
    return { send, received };
  }

  const stateOf = (activity: BotActivity | undefined) => activity?.channelData?.gatewayDoctor?.state;

  it('says a down site is down, then tells the person when it is back', async () => {
    siteStatus = 502;
    const chat = await connect();
    await chat.send(`${site.url} shows 502 Bad Gateway`);
    const down = await waitFor(() => chat.received.find((a) => stateOf(a) === 'user.down'), 'the down verdict');
    expect(down.channelData?.gatewayDoctor).toMatchObject({ verdict: 'down', producer: 'nginx' });

    const before = chat.received.length;
    await chat.send("Tell me when it's back", { gatewayDoctor: { intent: 'watch' } });
    await waitFor(() => chat.received.slice(before).find((a) => stateOf(a) === 'user.waiting'), 'the watch confirmation');
    expect(await app.watch.list()).toHaveLength(1);

    siteStatus = 200;
    const back = await waitFor(
      () => chat.received.find((a) => stateOf(a) === 'user.waiting' && a.channelData?.gatewayDoctor?.verdict === 'up'),
      'the proactive "it is back" message',
    );
    const t = translatorFor(createI18n(), 'en');
    expect(JSON.stringify(back)).toContain(t('choice.recheck'));
    expect(await app.watch.list()).toHaveLength(0);
  });

  it('hands a case over to the signed webhook with the evidence bundle', async () => {
    siteStatus = 502;
    const chat = await connect();
    await chat.send(`${site.url}/checkout gives error 502 in Chrome on Windows`);
    await waitFor(() => chat.received.find((a) => stateOf(a) === 'user.down'), 'the verdict');
    await chat.send('Talk to a person', { gatewayDoctor: { intent: 'human' } });
    // The same webhook also hears help desk alerts (a watched site that is down, earlier in this file).
    const delivered = await waitFor(() => webhook.received.find((r) => !r.raw.includes('"gateway-doctor.alert"')), 'the webhook');
    await waitFor(() => chat.received.find((a) => stateOf(a) === 'handoff'), 'the hand-off answer');

    const timestamp = String(delivered.headers[TIMESTAMP_HEADER]);
    expect(delivered.headers[SIGNATURE_HEADER]).toBe(signWebhook(WEBHOOK_SECRET, timestamp, delivered.raw));
    const body = JSON.parse(delivered.raw) as {
      id: string;
      source: { channelId: string };
      summary: { url: string; browser: string; os: string; probes: { verdict: string; producer: string }[]; lastMessages: string[] };
    };
    expect(body.source.channelId).toBe('webchat');
    expect(body.summary).toMatchObject({ browser: 'chrome', os: 'windows' });
    expect(body.summary.url).toContain('/checkout');
    expect(body.summary.probes[0]).toMatchObject({ verdict: 'down', producer: 'nginx' });
    expect(body.summary.lastMessages.join(' ')).toContain('error 502');
  });
});

describe('hand-off with no help desk connected', () => {
  it('says nobody would see it instead of pretending', async () => {
    const app = await createTestApp();
    try {
      const res = await fetch(`${app.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          id: 'h1',
          channelId: 'emulator',
          serviceUrl: 'http://127.0.0.1:9/',
          deliveryMode: 'expectReplies',
          conversation: { id: 'nobody-home' },
          from: { id: 'u1' },
          recipient: { id: 'bot' },
          text: 'talk to a person',
        }),
      });
      const { activities } = (await res.json()) as { activities: BotActivity[] };
      const t = translatorFor(createI18n(), 'en');
      const texts = activities.map((a) => a.summary ?? ('text' in a ? a.text : undefined) ?? '');
      expect(texts).toContain(t('handoff.unavailable.noSite'));
      expect(texts).not.toContain(t('handoff.sent'));
    } finally {
      await app.close();
    }
  });
});
