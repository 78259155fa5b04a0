/**
 * Slack threads through the whole app (signed Events API and interaction requests, Slack's Web API faked
 * on loopback): after a mention in a channel, replies in that thread reach the bot without a fresh
 * mention; other threads and top-level messages do not; a clicked button's message is replaced by the
 * same words and the chosen answer (chat.update on its ts).
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { RunningApp } from '../../../src/index';
import { createI18n, translatorFor } from '../../../src/core/i18n';
import { createTestApp } from '../../helpers/create-test-app';
import { createFakeSlackApi, type FakeSlackApi, type FakeSlackCall } from '../../helpers/fake-slack-api';
import { createHttpServer, type LoopbackServer } from '../../helpers/loopback-servers';
import { expectHealthy } from '../../helpers/attack';

jest.setTimeout(30_000);

const SECRET = 'threads-signing-secret';
const TOKEN = 'xoxb-test-token';
const TEAM = 'T0TEAM';
const CHANNEL = 'C0GENERAL';
const BOT_USER = 'U0BOT';
const t = translatorFor(createI18n(), 'en');

let slack: FakeSlackApi;
let app: RunningApp;
let site: LoopbackServer;

beforeAll(async () => {
  slack = await createFakeSlackApi({ token: TOKEN });
  site = await createHttpServer((_req, res) => {
    res.writeHead(502, { server: 'nginx', 'content-type': 'text/html' });
    res.end('<h1>502 Bad Gateway</h1><hr><center>nginx</center>');
  });
  app = await createTestApp({ SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: slack.url });
});
afterAll(async () => {
  await app.close();
  await slack.close();
  await site.close();
});

function signed(body: string): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
}

async function event(payload: Record<string, unknown>): Promise<number> {
  const body = JSON.stringify({
    type: 'event_callback',
    team_id: TEAM,
    event_id: `Ev${randomUUID().replace(/-/g, '').slice(0, 12)}`,
    event: payload,
    authorizations: [{ user_id: BOT_USER }],
  });
  const res = await fetch(`${app.url}/api/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed(body) },
    body,
  });
  return res.status;
}

async function click(payload: Record<string, unknown>): Promise<number> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const res = await fetch(`${app.url}/api/slack/interactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...signed(body) },
    body,
  });
  return res.status;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let seq = 0;
const nextTs = (): string => {
  seq += 1;
  return `1800000000.${String(seq).padStart(6, '0')}`;
};

/** The ts the fake gave a postMessage call (its running count). */
const tsOf = (call: FakeSlackCall) => `1700000000.${String(slack.callsTo('chat.postMessage').indexOf(call) + 1).padStart(6, '0')}`;
/** The down verdict is the message with buttons (the "checking" line before it carries the same state). */
const hasButtons = (call: FakeSlackCall) =>
  Array.isArray(call.args.blocks) && (call.args.blocks as { type: string }[]).some((b) => b.type === 'actions');
const stateOf = (call: FakeSlackCall) => (call.args.metadata as { event_payload?: { state?: string } } | undefined)?.event_payload?.state;

describe('a Slack thread the bot was mentioned in', () => {
  it('is followed without a fresh mention; other threads and the channel are not', async () => {
    const thread = nextTs();
    await event({ type: 'app_mention', channel: CHANNEL, user: 'U0ANA', text: `<@${BOT_USER}> ${site.url} shows 502`, ts: thread });
    await slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === thread && stateOf(c) === 'user.down' && hasButtons(c), 10_000);

    const before = slack.callsTo('chat.postMessage').length;
    expect(
      await event({
        type: 'message',
        channel: CHANNEL,
        channel_type: 'channel',
        user: 'U0ANA',
        text: 'help',
        ts: nextTs(),
        thread_ts: thread,
      }),
    ).toBe(200);
    const answered = await slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.thread_ts === thread && String(c.args.text).length > 0 && slack.callsTo('chat.postMessage').indexOf(c) >= before,
    );
    expect(answered.args.channel).toBe(CHANNEL);

    // Another thread, a top-level message and a message that also mentions the bot (answered via app_mention) are not taken here.
    const quietFrom = slack.callsTo('chat.postMessage').length;
    await event({
      type: 'message',
      channel: CHANNEL,
      channel_type: 'channel',
      user: 'U0ANA',
      text: 'help',
      ts: nextTs(),
      thread_ts: '1799999999.000001',
    });
    await event({ type: 'message', channel: CHANNEL, channel_type: 'channel', user: 'U0ANA', text: 'help', ts: nextTs() });
    await event({
      type: 'message',
      channel: CHANNEL,
      channel_type: 'channel',
      user: 'U0ANA',
      text: `<@${BOT_USER}> help`,
      ts: nextTs(),
      thread_ts: thread,
    });
    await pause(500);
    expect(slack.callsTo('chat.postMessage').slice(quietFrom)).toEqual([]);
    await expectHealthy(app.url);
  });
});

describe('a clicked button', () => {
  it('replaces its message with the same words and the chosen answer', async () => {
    const thread = nextTs();
    await event({ type: 'app_mention', channel: CHANNEL, user: 'U0BEN', text: `<@${BOT_USER}> ${site.url} is down`, ts: thread });
    const down = await slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.thread_ts === thread && stateOf(c) === 'user.down' && hasButtons(c),
      10_000,
    );
    const blocks = down.args.blocks as { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] }[];
    const recheck = blocks.find((b) => b.type === 'actions')?.elements?.find((e) => JSON.parse(e.value).gatewayDoctor.intent === 'recheck');
    if (!recheck) throw new Error('no re-check button');
    const ts = tsOf(down);

    expect(
      await click({
        type: 'block_actions',
        user: { id: 'U0BEN', team_id: TEAM },
        team: { id: TEAM },
        channel: { id: CHANNEL },
        container: { channel_id: CHANNEL, message_ts: ts, thread_ts: thread },
        message: { ts, thread_ts: thread },
        actions: [{ type: 'button', action_id: recheck.action_id, value: recheck.value, action_ts: nextTs() }],
      }),
    ).toBe(200);
    const update = await slack.waitForCall('chat.update', (c) => c.args.ts === ts, 10_000);
    const updated = update.args.blocks as { type: string; elements?: { text?: string }[] }[];
    expect(updated.some((b) => b.type === 'actions')).toBe(false);
    expect(updated.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: `✓ ${t('choice.recheck')}` }] });
    expect(update.args.channel).toBe(CHANNEL);
  });
});
