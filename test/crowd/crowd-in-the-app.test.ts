/**
 * Crowd reports, help desk alerts, feedback and analytics in the whole app (createTestApp, real HTTP on
 * loopback): distinct people make a crowd and one person asking again does not; the count rides in
 * channelData; two instances on one real redis-server count together and alert once; the webhook hears one
 * alert per host per hour; "did this help?" lands in the analytics JSON and CSV; the analytics route refuses
 * hostile queries and wrong tokens with JSON and keeps answering /healthz.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HelpDeskAlert } from '../../src/channels/handoff/alerts';
import { translatorFor } from '../../src/core/i18n';
import type { AnalyticsReport } from '../../src/crowd/analytics';
import type { RunningApp } from '../../src/index';
import { expectHealthy } from '../helpers/attack';
import { type BotReply, createActivity, createTestApp, sendActivity } from '../helpers/create-test-app';
import { createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';
import { withRedisServer } from '../helpers/redis-server';

jest.setTimeout(60_000);

const TOKEN = 'analytics-token';
const redis = withRedisServer();

interface Receiver {
  url: string;
  alerts: HelpDeskAlert[];
  close(): Promise<void>;
}

/** The help desk's webhook on loopback: keeps the alerts (hand-off cases are not alerts). */
async function createReceiver(): Promise<Receiver> {
  const alerts: HelpDeskAlert[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { type?: string };
      if (body.type === 'gateway-doctor.alert') alerts.push(body as HelpDeskAlert);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    alerts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A site that answers 200 to everyone. */
function createUpSite(): Promise<LoopbackServer> {
  return createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>fine</body></html>');
  });
}

let conversation = 0;
/** One person (`from`) asks about `url` in a new conversation; resolves to the bot's replies. */
function ask(app: RunningApp, url: string, from: string): Promise<BotReply[]> {
  conversation += 1;
  return sendActivity(
    app.url,
    createActivity({ conversation: { id: `crowd-${conversation}` }, from: { id: from }, text: `${url} shows 502` }),
  );
}

function reportsOf(replies: BotReply[]): number | undefined {
  const data = replies.at(-1)?.channelData?.gatewayDoctor as { reports?: number } | undefined;
  return data?.reports;
}

/** The English rendering of the crowd sentence for `count` people (the i18n key, not hand-written prose). */
function crowdSentence(app: RunningApp, count: number, host: string): string {
  return translatorFor(app.core.i18n, 'en')('crowd.reports', { count, host, minutes: 15 });
}

/** Waits until `check` holds (alerts are posted after the reply). */
async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function analytics(app: RunningApp, query = '', headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.url}/api/admin/analytics${query}`, { headers: { authorization: `Bearer ${TOKEN}`, ...headers } });
}

describe('crowd reports in one instance', () => {
  let app: RunningApp;
  let site: LoopbackServer;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await createReceiver();
    site = await createUpSite();
    app = await createTestApp({ CROWD_THRESHOLD: '3', HANDOFF_WEBHOOK_URL: receiver.url, ADMIN_API_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await app.close();
    await site.close();
    await receiver.close();
  });

  it('is not a crowd when one person asks again and again, and is one when distinct people ask', async () => {
    for (let i = 0; i < 4; i += 1) {
      const replies = await ask(app, site.url, 'same-person');
      expect(reportsOf(replies)).toBe(1);
      expect(replies.map((r) => r.text)).not.toContain(crowdSentence(app, 1, '127.0.0.1'));
    }
    expect(reportsOf(await ask(app, site.url, 'second-person'))).toBe(2);
    const third = await ask(app, site.url, 'third-person');
    expect(reportsOf(third)).toBe(3);
    expect(third.at(-1)?.channelData?.gatewayDoctor).toMatchObject({ state: 'user.step.reload', verdict: 'up' });
    expect(third.map((r) => r.text)).toContain(crowdSentence(app, 3, '127.0.0.1'));
  });

  it('alerts the help desk once per host per hour, with the evidence', async () => {
    await eventually(() => receiver.alerts.length > 0);
    for (const person of ['fourth', 'fifth', 'sixth']) await ask(app, site.url, person);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.alerts).toHaveLength(1);
    expect(receiver.alerts[0]).toMatchObject({
      type: 'gateway-doctor.alert',
      reason: 'crowd',
      host: '127.0.0.1',
      site: site.url.replace(/\/$/, ''),
      reports: 3,
      windowMinutes: 15,
      verdict: 'up',
      httpStatus: 200,
    });
    // Evidence, never a person: no user id, conversation or hash in the alert.
    expect(JSON.stringify(receiver.alerts[0])).not.toMatch(/person|crowd-\d/);
  });

  it('records "did this help?" and the step that fixed it, visible in the analytics JSON and CSV', async () => {
    conversation += 1;
    const id = `feedback-${conversation}`;
    const send = (extra: Record<string, unknown>) =>
      sendActivity(app.url, createActivity({ conversation: { id }, from: { id: 'feedback-person' }, ...extra }));
    const press = (intent: string, state: string) => send({ text: '', value: { gatewayDoctor: { intent, state } } });
    expect(reportsOf(await send({ text: `${site.url} shows 502` }))).toBeGreaterThan(0);
    const fixed = await press('yes', 'user.step.reload');
    expect(fixed.at(-1)?.channelData?.gatewayDoctor?.state).toBe('user.fixed');
    const thanks = await press('yes', 'user.fixed');
    expect(thanks.at(-1)?.channelData?.gatewayDoctor?.state).toBe('user.fixed');
    // Asked once: a second "yes" is not counted again.
    await press('yes', 'user.fixed');

    const res = await analytics(app);
    expect(res.status).toBe(200);
    const report = (await res.json()) as AnalyticsReport;
    expect(report.bucket).toBe('hour');
    expect(report.totals.outcome).toEqual({ fixed: 1 });
    expect(report.totals.fixedBy).toEqual({ reload: 1 });
    expect(report.totals.feedback).toEqual({ yes: 1 });
    expect(report.totals.verdict.up).toBeGreaterThanOrEqual(8);
    expect(report.totals.producer.none).toBe(report.totals.checks);
    expect(Object.values(report.totals.firstReplyMs).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(report.hours).toHaveLength(1);
    expect(JSON.stringify(report)).not.toMatch(/feedback-person|127\.0\.0\.1/);

    for (const csvRes of [await analytics(app, '?format=csv'), await analytics(app, '', { accept: 'text/csv' })]) {
      expect(csvRes.status).toBe(200);
      expect(csvRes.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = (await csvRes.text()).trim().split('\r\n');
      expect(lines[0]).toBe('hour,group,key,count');
      expect(lines).toContain('total,feedback,yes,1');
      expect(lines).toContain('total,fixedBy,reload,1');
      expect(lines).toContain('total,outcome,fixed,1');
    }
  });

  it('shows the counters on /metrics', async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/gateway_doctor_analytics_feedback_total\{helpful="yes",outcome="fixed"\} 1/);
    expect(text).toMatch(/gateway_doctor_alerts_total\{reason="crowd",result="sent"\} 1/);
    expect(text).toMatch(/gateway_doctor_crowd_reports_total\{crowded="true"\}/);
  });

  it('answers hostile queries with a 400 JSON error and wrong tokens with 401, and stays healthy', async () => {
    const bad = [
      '?from=2026-12-01&to=2026-11-01',
      '?from=yesterday',
      '?to=2026-13-45',
      '?from=2026-11-30T10:00:00',
      '?from=2020-01-01&to=2026-11-30',
      `?from=${'9'.repeat(100_000).slice(0, 6000)}`,
      '?from=2026-11-01&from=2026-11-02',
      '?format=xml',
      '?from[$gt]=1',
      '?to=%00%ff',
    ];
    for (const query of bad) {
      const res = await analytics(app, query);
      expect([query, res.status]).toEqual([query, 400]);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toMatch(/^(bad_query|bad_range|range_too_large)$/);
      expect(JSON.stringify(body)).not.toMatch(/at .*\.ts|ZodError/);
    }
    for (const authorization of ['Bearer wrong-token', 'Bearer ', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, '']) {
      const res = await fetch(`${app.url}/api/admin/analytics`, { headers: { authorization } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    }
    const ok = await analytics(app, '?from=2026-11-01&to=2026-11-30T23:59:59Z');
    expect(ok.status).toBe(200);
    await expectHealthy(app.url);
  });
});

describe('crowd reports across two instances on one Redis', () => {
  let first: RunningApp;
  let second: RunningApp;
  let site: LoopbackServer;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await createReceiver();
    site = await createUpSite();
    const env = { STORAGE: redis().url, CROWD_THRESHOLD: '4', HANDOFF_WEBHOOK_URL: receiver.url };
    first = await createTestApp(env);
    second = await createTestApp(env);
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await site.close();
    await receiver.close();
  });

  it('counts people fleet-wide, and the help desk hears one alert from the whole fleet', async () => {
    expect(reportsOf(await ask(first, site.url, 'fleet-a'))).toBe(1);
    expect(reportsOf(await ask(second, site.url, 'fleet-b'))).toBe(2);
    // The same person on the other instance is still one person.
    expect(reportsOf(await ask(second, site.url, 'fleet-a'))).toBe(2);
    expect(reportsOf(await ask(first, site.url, 'fleet-c'))).toBe(3);
    const crowded = await ask(second, site.url, 'fleet-d');
    expect(reportsOf(crowded)).toBe(4);
    expect(crowded.map((r) => r.text)).toContain(crowdSentence(second, 4, '127.0.0.1'));
    // Both instances now see a crowd: each one's report goes for the alert, and the claim lets one through.
    expect(reportsOf(await ask(first, site.url, 'fleet-e'))).toBe(5);
    await eventually(() => receiver.alerts.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.alerts).toHaveLength(1);
    expect(receiver.alerts[0]).toMatchObject({ reason: 'crowd', host: '127.0.0.1', verdict: 'up' });
    await expectHealthy(first.url);
    await expectHealthy(second.url);
  });
});

describe('a watched site that is down', () => {
  let app: RunningApp;
  let site: LoopbackServer;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await createReceiver();
    site = await createHttpServer((_req, res) => {
      res.writeHead(502, { server: 'nginx', 'content-type': 'text/html' });
      res.end('<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>');
    });
    app = await createTestApp({ HANDOFF_WEBHOOK_URL: receiver.url });
  });
  afterAll(async () => {
    await app.close();
    await site.close();
    await receiver.close();
  });

  it('alerts the help desk when someone waits for it, once per hour however many wait', async () => {
    for (const person of ['waiter-1', 'waiter-2']) {
      conversation += 1;
      const id = `watch-${conversation}`;
      const send = (extra: Record<string, unknown>) =>
        sendActivity(app.url, createActivity({ conversation: { id }, from: { id: person }, ...extra }));
      const down = await send({ text: `${site.url} shows 502` });
      expect(down.at(-1)?.channelData?.gatewayDoctor).toMatchObject({ state: 'user.down', producer: 'nginx' });
      const waiting = await send({ text: '', value: { gatewayDoctor: { intent: 'watch', state: 'user.down' } } });
      expect(waiting.at(-1)?.channelData?.gatewayDoctor?.state).toBe('user.waiting');
    }
    await eventually(() => receiver.alerts.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.alerts).toHaveLength(1);
    expect(receiver.alerts[0]).toMatchObject({
      reason: 'watched-down',
      host: '127.0.0.1',
      verdict: 'down',
      httpStatus: 502,
      producer: 'nginx',
    });
    expect(JSON.stringify(receiver.alerts[0])).not.toMatch(/waiter|watch-\d/);
    await expectHealthy(app.url);
  });
});
