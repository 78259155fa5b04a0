/**
 * Help desk alerts: one per host per hour (the claim in a real SQLite de-duplication store, with a clock
 * the test moves), delivered to a webhook receiver, the fake Slack Web API and a Teams connector on loopback,
 * with only the evidence that is known and never a page's path or query.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCloudAdapter } from '../../../src/channels/botframework/bot-framework-routes';
import {
  ALERT_PERIOD_MS,
  alertLines,
  createAlert,
  createAlertService,
  createSlackAlertTarget,
  createTeamsAlertTarget,
  createWebhookAlertTarget,
  type AlertTarget,
  type HelpDeskAlert,
} from '../../../src/channels/handoff/alerts';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from '../../../src/channels/handoff/handoff-targets';
import type { ProbeResult } from '../../../src/contracts';
import { createLogger } from '../../../src/observability/logger';
import { createMetrics } from '../../../src/observability/metrics';
import { SqliteActivityDedupe } from '../../../src/storage/activity-dedupe';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';
import { createFakeSlackApi } from '../../helpers/fake-slack-api';

const logger = createLogger('silent');
const T0 = Date.UTC(2026, 10, 30, 10, 0, 0);

const down: ProbeResult = {
  url: 'https://shop.example/checkout?session=abc123&user=ana',
  verdict: 'down',
  advice: 'wait',
  httpStatus: 502,
  producer: 'cloudflare',
  timings: { totalMs: 120 },
  evidence: [],
  checkedAt: '2026-11-30T10:00:00.000Z',
};

async function createRecorder(): Promise<{
  url: string;
  got: { url: string; headers: http.IncomingHttpHeaders; raw: string }[];
  close(): Promise<void>;
}> {
  const got: { url: string; headers: http.IncomingHttpHeaders; raw: string }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      got.push({ url: req.url ?? '', headers: req.headers, raw });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'posted-1' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, got, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('the alert', () => {
  it('names the site by its origin only and leaves unknown fields out', () => {
    const alert = createAlert({ reason: 'crowd', url: down.url, reports: 12, windowMinutes: 15, result: down }, () => T0);
    expect(alert).toMatchObject({
      type: 'gateway-doctor.alert',
      reason: 'crowd',
      host: 'shop.example',
      site: 'https://shop.example',
      reports: 12,
      verdict: 'down',
      httpStatus: 502,
      producer: 'cloudflare',
      raisedAt: '2026-11-30T10:00:00.000Z',
    });
    expect(JSON.stringify(alert)).not.toMatch(/session|abc123|ana/);
    const bare = createAlert({ reason: 'watched-down', url: 'https://bare.example/' });
    expect(bare && Object.keys(bare).sort()).toEqual(['host', 'id', 'raisedAt', 'reason', 'site', 'type']);
    expect(createAlert({ reason: 'crowd', url: 'not a url' })).toBeUndefined();
  });

  it('lists regions and a provider incident when they are known', () => {
    const alert = createAlert({
      reason: 'crowd',
      url: down.url,
      result: down,
      regions: { 'eu-west': 'down', 'us-east': 'up' },
      incident: { provider: 'Cloudflare', title: 'Elevated 5xx in FRA', url: 'https://www.cloudflarestatus.com/incidents/x' },
    }) as HelpDeskAlert;
    const lines = alertLines(alert).map((l) => l.label);
    expect(lines).toEqual(expect.arrayContaining(['Per region', 'Provider incident', 'Producer', 'Verdict']));
  });
});

describe('the alert service', () => {
  it('sends one alert per host per hour, across reasons, and again after the hour', async () => {
    let now = T0;
    const database = openSqliteDatabase(':memory:');
    const dedupe = new SqliteActivityDedupe({ database }, { now: () => now });
    const sent: HelpDeskAlert[] = [];
    const target: AlertTarget = { name: 'memory', alert: async (a) => void sent.push(a) };
    const metrics = createMetrics({ defaults: false });
    const service = createAlertService({ targets: [target], claim: (k, ttl) => dedupe.firstSeen(k, ttl), logger, metrics, now: () => now });
    expect(await service.raise({ reason: 'crowd', url: 'https://shop.example/a', reports: 5 })).toBe('sent');
    expect(await service.raise({ reason: 'crowd', url: 'https://SHOP.example/b', reports: 9 })).toBe('claimed');
    expect(await service.raise({ reason: 'watched-down', url: 'https://shop.example/' })).toBe('claimed');
    expect(await service.raise({ reason: 'crowd', url: 'https://other.example/' })).toBe('sent');
    now += ALERT_PERIOD_MS + 1;
    expect(await service.raise({ reason: 'crowd', url: 'https://shop.example/' })).toBe('sent');
    expect(sent.map((a) => a.host)).toEqual(['shop.example', 'other.example', 'shop.example']);
    const counted = await metrics.registry.getSingleMetricAsString('gateway_doctor_alerts_total');
    expect(counted).toContain('reason="crowd",result="claimed"} 1');
    expect(counted).toContain('reason="watched-down",result="claimed"} 1');
    expect(counted).toContain('reason="crowd",result="sent"} 3');
    dedupe.close();
    database.close();
  });

  it('says so when nobody can receive alerts or every target failed, and survives a target that throws', async () => {
    const none = createAlertService({ targets: [], claim: async () => true, logger });
    expect(await none.raise({ reason: 'crowd', url: 'https://shop.example/' })).toBe('no_target');
    const broken: AlertTarget = {
      name: 'broken',
      alert: async () => {
        throw new Error('boom');
      },
    };
    const failing = createAlertService({ targets: [broken], claim: async () => true, logger });
    expect(await failing.raise({ reason: 'crowd', url: 'https://shop.example/' })).toBe('failed');
    expect(await failing.raise({ reason: 'crowd', url: '::not a url' })).toBe('invalid');
  });
});

describe('alert targets on loopback', () => {
  const alert = createAlert({ reason: 'crowd', url: down.url, reports: 12, windowMinutes: 15, result: down }) as HelpDeskAlert;

  it('signs the webhook body like a hand-off', async () => {
    const receiver = await createRecorder();
    try {
      await createWebhookAlertTarget({ url: `${receiver.url}hooks`, secret: 's3cret', now: () => 1_700_000_000_000 }).alert(alert);
      const [request] = receiver.got;
      expect(request?.headers[TIMESTAMP_HEADER]).toBe('1700000000');
      expect(request?.headers[SIGNATURE_HEADER]).toBe(signWebhook('s3cret', '1700000000', request?.raw ?? ''));
      expect(JSON.parse(request?.raw ?? '{}')).toMatchObject({ type: 'gateway-doctor.alert', host: 'shop.example', reports: 12 });
    } finally {
      await receiver.close();
    }
  });

  it('posts into the help desk Slack channel with the evidence', async () => {
    const slack = await createFakeSlackApi();
    try {
      await createSlackAlertTarget({ channel: 'C0HELPDESK', token: 'xoxb-test-token', apiUrl: slack.url }).alert(alert);
      const call = await slack.waitForCall('chat.postMessage');
      expect(call.args.channel).toBe('C0HELPDESK');
      const blocks = JSON.stringify(call.args.blocks);
      expect(blocks).toContain('shop.example');
      expect(blocks).toContain('12');
      expect(blocks).toContain('cloudflare');
    } finally {
      await slack.close();
    }
  });

  it('posts a card into the Teams channel through the connector', async () => {
    const connector = await createRecorder();
    try {
      const adapter = createCloudAdapter({}, logger);
      await createTeamsAlertTarget({ adapter, appId: '', channelId: '19:helpdesk@thread.tacv2', serviceUrl: connector.url }).alert(alert);
      const [request] = connector.got;
      expect(request?.url).toMatch(/^\/v3\/conversations\/19%3Ahelpdesk%40thread\.tacv2\/activities/);
      expect(request?.raw).toContain('application/vnd.microsoft.card.adaptive');
      expect(request?.raw).toContain('shop.example');
    } finally {
      await connector.close();
    }
  });
});
