/**
 * The Slack routes end to end: a real restify server from `createServer`, requests signed exactly the way
 * Slack signs them, a real botbuilder bot, and a fake Slack Web API on loopback receiving the replies.
 */
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ActivityHandler, type Activity } from 'botbuilder';
import type { Server } from 'restify';
import type { KnownBlock, SectionBlock, ActionsBlock, Button } from '@slack/web-api';
import type { Reply } from '../../../dialogs/types';
import { renderBlockKit } from '../../../src/channels/render/block-kit';
import type { Translate } from '../../../src/contracts';
import { SlackAdapter, createSlackRoutes, type SlackRoutesDeps } from '../../../src/channels/slack';
import { createLogger } from '../../../src/observability/logger';
import { createMetrics } from '../../../src/observability/metrics';
import { createProber } from '../../../src/probe/prober';
import { createRecentChecks } from '../../../src/probe/recent-checks';
import { createServer } from '../../../src/server';
import type { ActivityDedupe } from '../../../src/storage/activity-dedupe';
import { createFakeSlackApi, type FakeSlackApi, type FakeSlackCall } from '../../helpers/fake-slack-api';

const SECRET = 'test-signing-secret-8f2a';
const TOKEN = 'xoxb-test-token';
const TEAM = 'T0TEAM';
const BOT_USER = 'U0BOT';

const fakeT: Translate = (key, vars) => (vars ? `${key}|${JSON.stringify(vars)}` : key);

/** What the in-test de-duplication has been asked; implements the real interface. */
function createFakeDedupe(): ActivityDedupe & { asked: string[] } {
  const seen = new Set<string>();
  const asked: string[] = [];
  return {
    asked,
    async firstSeen(key: string) {
      asked.push(key);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    },
  };
}

/** Runs background tasks like the default scheduler does, and can wait until all have settled. */
function createTrackingScheduler() {
  const running = new Set<Promise<void>>();
  return {
    schedule(task: () => Promise<void>) {
      const run: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve)).then(task).finally(() => running.delete(run));
      running.add(run);
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

/** The echo bot: replies with Block Kit from renderBlockKit, echoing the text and any button value. */
function createEchoBot(received: Partial<Activity>[]): ActivityHandler {
  const bot = new ActivityHandler();
  bot.onMessage(async (context, next) => {
    received.push(context.activity);
    const text = context.activity.text ?? '';
    if (text.includes('slow')) await new Promise((resolve) => setTimeout(resolve, 1500));
    const vars: Record<string, string> = { text };
    if (context.activity.value !== undefined) vars.value = JSON.stringify(context.activity.value);
    const reply: Reply = {
      key: 'echo',
      vars,
      choices: [
        { intent: 'yes', labelKey: 'choice.yes' },
        { intent: 'no', labelKey: 'choice.no' },
      ],
    };
    const rendered = renderBlockKit(reply, fakeT);
    await context.sendActivity({
      type: 'message',
      text: rendered.text,
      channelData: { slack: { blocks: rendered.blocks }, gatewayDoctor: { state: 'echo' } },
    });
    await next();
  });
  return bot;
}

interface Running {
  base: string;
  server: Server;
}

async function startServer(routes: SlackRoutesDeps): Promise<Running> {
  const server = createServer({
    logger: createLogger('silent'),
    metrics: createMetrics({ defaults: false }),
    prober: createProber(),
    recentChecks: createRecentChecks(),
    routes: createSlackRoutes(routes),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, server };
}

/** Headers exactly as Slack computes them: HMAC-SHA256 of `v0:<timestamp>:<raw body>`, hex, prefixed `v0=`. */
function signedHeaders(body: string, { timestamp = Math.floor(Date.now() / 1000), secret = SECRET } = {}): Record<string, string> {
  const digest = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'X-Slack-Request-Timestamp': String(timestamp), 'X-Slack-Signature': `v0=${digest}` };
}

let api: FakeSlackApi;
let app: Running;
let offApp: Running;
let received: Partial<Activity>[];
let dedupe: ReturnType<typeof createFakeDedupe>;
let tasks: ReturnType<typeof createTrackingScheduler>;
let eventCounter = 0;

beforeAll(async () => {
  api = await createFakeSlackApi({ token: TOKEN });
  received = [];
  dedupe = createFakeDedupe();
  tasks = createTrackingScheduler();
  const logger = createLogger('silent');
  const bot = createEchoBot(received);
  const adapter = new SlackAdapter({ botToken: TOKEN, apiUrl: api.url, logger, retryConfig: { retries: 0 } });
  app = await startServer({
    signingSecret: SECRET,
    adapter,
    logic: (context) => bot.run(context),
    dedupe,
    logger,
    schedule: tasks.schedule,
  });
  offApp = await startServer({ logic: (context) => bot.run(context), dedupe, logger });
});

afterAll(async () => {
  await tasks?.idle();
  for (const running of [app, offApp]) {
    if (running) await new Promise<void>((resolve) => running.server.close(() => resolve()));
  }
  await api?.close();
});

function nextEventId(): string {
  eventCounter += 1;
  return `Ev${String(eventCounter).padStart(6, '0')}`;
}

interface EventOptions {
  eventId?: string;
  type?: 'message' | 'app_mention';
  text: string;
  channel?: string;
  user?: string;
  threadTs?: string;
  extra?: Record<string, unknown>;
}

function eventBody({
  eventId = nextEventId(),
  type = 'message',
  text,
  channel = 'D0DM',
  user = 'U0ANA',
  threadTs,
  extra = {},
}: EventOptions): string {
  const event: Record<string, unknown> = {
    type,
    text,
    user,
    channel,
    ts: `1700000${String(eventCounter).padStart(3, '0')}.000200`,
    event_ts: '1700000000.000200',
    ...(type === 'message' ? { channel_type: channel.startsWith('D') ? 'im' : 'channel' } : {}),
    ...(threadTs ? { thread_ts: threadTs } : {}),
    ...extra,
  };
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: TEAM,
    api_app_id: 'A0APP',
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: 1700000000,
    authorizations: [{ team_id: TEAM, user_id: BOT_USER, is_bot: true }],
  });
}

async function postEvent(body: string, headers: Record<string, string> = signedHeaders(body), base = app.base): Promise<Response> {
  return fetch(`${base}/api/slack/events`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });
}

async function postInteraction(payload: object): Promise<Response> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return fetch(`${app.base}/api/slack/interactions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...signedHeaders(body) },
    body,
  });
}

function echoedText(call: FakeSlackCall): string {
  const blocks = call.args.blocks as KnownBlock[];
  return ((blocks[0] as SectionBlock).text?.text ?? '') as string;
}

function echoed(fragment: string) {
  return (call: FakeSlackCall) => echoedText(call).includes(fragment);
}

function blockActions(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'block_actions',
    api_app_id: 'A0APP',
    user: { id: 'U0ANA', team_id: TEAM },
    team: { id: TEAM, domain: 'example' },
    channel: { id: 'D0DM', name: 'directmessage' },
    container: { type: 'message', message_ts: '1700000000.000300', channel_id: 'D0DM', is_ephemeral: false },
    message: { type: 'message', ts: '1700000000.000300', text: 'fallback' },
    trigger_id: '123.456.abc',
    response_url: 'https://hooks.slack.invalid/actions/T/1/2',
    actions: [
      {
        type: 'button',
        action_id: 'gd_yes',
        block_id: 'b1',
        text: { type: 'plain_text', text: 'Yes' },
        value: '{"gatewayDoctor":{"intent":"yes"}}',
        action_ts: `1700000001.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`,
      },
    ],
    ...overrides,
  };
}

describe('POST /api/slack/events', () => {
  it('answers url_verification with the challenge', async () => {
    const body = JSON.stringify({ token: 'x', challenge: 'chal-3eZbrw1aBm2r', type: 'url_verification' });
    const response = await postEvent(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: 'chal-3eZbrw1aBm2r' });
  });

  it('turns a DM into a turn and posts the reply with blocks to the same channel', async () => {
    const response = await postEvent(eventBody({ text: 'hello doctor', channel: 'D0DMHELLO' }));
    expect(response.status).toBe(200);
    const call = await api.waitForCall('chat.postMessage', (c) => c.args.channel === 'D0DMHELLO');
    expect(call.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call.args.thread_ts).toBeUndefined();
    expect(echoedText(call)).toBe('echo|{"text":"hello doctor"}');
    expect(call.args.text).toBe('echo|{"text":"hello doctor"}');
    const blocks = call.args.blocks as KnownBlock[];
    expect(blocks.map((block) => block.type)).toEqual(['section', 'actions']);
    expect(((blocks[1] as ActionsBlock).elements as Button[]).map((button) => button.action_id)).toEqual(['gd_yes', 'gd_no']);
    expect(call.args.metadata).toEqual({ event_type: 'gateway_doctor_reply', event_payload: { state: 'echo' } });

    const activity = received.find((a) => a.conversation?.id === `${TEAM}:D0DMHELLO`);
    expect(activity).toMatchObject({ type: 'message', channelId: 'slack', text: 'hello doctor', from: { id: 'U0ANA' } });
  });

  it('strips the bot mention from an app_mention and answers in a thread of its own', async () => {
    await postEvent(eventBody({ type: 'app_mention', text: `<@${BOT_USER}> is shop.example down?`, channel: 'C0GENERAL' }));
    const call = await api.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0GENERAL');
    expect(echoedText(call)).toBe('echo|{"text":"is shop.example down?"}');
    const activity = received.find((a) => a.text === 'is shop.example down?');
    // The top-level mention's own ts becomes the thread, so each question is its own conversation.
    expect(activity?.conversation?.id).toBe(`${TEAM}:C0GENERAL:${activity?.id}`);
    expect(call.args.thread_ts).toBe(activity?.id);
    expect(activity?.conversation?.isGroup).toBe(true);
  });

  it('keeps replies in the thread the message was written in', async () => {
    await postEvent(eventBody({ text: 'in a thread', channel: 'D0THREAD', threadTs: '1699999999.000100' }));
    const call = await api.waitForCall('chat.postMessage', (c) => c.args.channel === 'D0THREAD');
    expect(call.args.thread_ts).toBe('1699999999.000100');
    expect(received.find((a) => a.text === 'in a thread')?.conversation?.id).toBe(`${TEAM}:D0THREAD:1699999999.000100`);
  });

  it('gives the activity the locale users.info reports, asking Slack once per person', async () => {
    api.setLocale('U0ESTHER', 'es-ES');
    await postEvent(eventBody({ text: 'hola uno', user: 'U0ESTHER', channel: 'D0ES' }));
    await api.waitForCall('chat.postMessage', echoed('hola uno'));
    await postEvent(eventBody({ text: 'hola dos', user: 'U0ESTHER', channel: 'D0ES' }));
    await api.waitForCall('chat.postMessage', echoed('hola dos'));

    expect(received.filter((a) => a.from?.id === 'U0ESTHER').map((a) => a.locale)).toEqual(['es-ES', 'es-ES']);
    const lookups = api.callsTo('users.info').filter((c) => c.args.user === 'U0ESTHER');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.args.include_locale).toBe('true');
  });

  it('answers without a locale when users.info fails', async () => {
    api.failMethod('users.info', 'missing_scope');
    try {
      await postEvent(eventBody({ text: 'no locale here', user: 'U0NOSCOPE', channel: 'D0NOSCOPE' }));
      await api.waitForCall('chat.postMessage', (c) => c.args.channel === 'D0NOSCOPE');
    } finally {
      api.failMethod('users.info', undefined);
    }
    const activity = received.find((a) => a.from?.id === 'U0NOSCOPE');
    expect(activity?.text).toBe('no locale here');
    expect(activity?.locale).toBeUndefined();
  });

  it('refuses a bad signature with 401 and runs no turn', async () => {
    const body = eventBody({ text: 'forged', channel: 'D0FORGED' });
    const response = await postEvent(body, signedHeaders(body, { secret: 'not-the-secret' }));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_signature' });

    const tampered = await postEvent(body.replace('forged', 'forgeD'), signedHeaders(body));
    expect(tampered.status).toBe(401);

    const unsigned = await postEvent(body, {});
    expect(unsigned.status).toBe(401);
    await tasks.idle();
    expect(received.some((a) => a.conversation?.id?.includes('D0FORGED'))).toBe(false);
  });

  it('refuses timestamps six minutes old and six minutes ahead', async () => {
    const body = eventBody({ text: 'replayed', channel: 'D0REPLAY' });
    const now = Math.floor(Date.now() / 1000);
    const old = await postEvent(body, signedHeaders(body, { timestamp: now - 6 * 60 }));
    expect(old.status).toBe(401);
    const ahead = await postEvent(body, signedHeaders(body, { timestamp: now + 6 * 60 }));
    expect(ahead.status).toBe(401);
    const fresh = await postEvent(body, signedHeaders(body, { timestamp: now - 4 * 60 }));
    expect(fresh.status).toBe(200);
    await api.waitForCall('chat.postMessage', (c) => c.args.channel === 'D0REPLAY');
  });

  it('handles a redelivered event once', async () => {
    const body = eventBody({ eventId: 'EvRETRY01', text: 'only once please', channel: 'D0RETRY' });
    expect((await postEvent(body)).status).toBe(200);
    await tasks.idle();
    const retry = await postEvent(body, { ...signedHeaders(body), 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' });
    expect(retry.status).toBe(200);
    await tasks.idle();

    expect(api.callsTo('chat.postMessage').filter((c) => c.args.channel === 'D0RETRY')).toHaveLength(1);
    expect(received.filter((a) => a.text === 'only once please')).toHaveLength(1);
    expect(dedupe.asked.filter((key) => key.includes('EvRETRY01'))).toHaveLength(2);
  });

  it('ignores the bot’s own messages and message subtypes', async () => {
    const before = api.callsTo('chat.postMessage').length;
    await postEvent(eventBody({ text: 'echo from myself', channel: 'D0SELF', extra: { bot_id: 'B0BOT' } }));
    await postEvent(eventBody({ text: 'from my user id', channel: 'D0SELF', user: BOT_USER }));
    await postEvent(eventBody({ text: 'edited', channel: 'D0SELF', extra: { subtype: 'message_changed' } }));
    await postEvent(eventBody({ text: 'joined', channel: 'C0SELF', extra: { subtype: 'channel_join' } }));
    await tasks.idle();
    expect(api.callsTo('chat.postMessage')).toHaveLength(before);
    expect(received.some((a) => a.conversation?.id?.includes('0SELF'))).toBe(false);
  });

  it('acknowledges before slow bot work finishes', async () => {
    const response = await postEvent(eventBody({ text: 'slow one', channel: 'D0SLOW' }));
    const answeredAt = Date.now();
    expect(response.status).toBe(200);
    expect(api.callsTo('chat.postMessage').some((c) => c.args.channel === 'D0SLOW')).toBe(false);
    const call = await api.waitForCall('chat.postMessage', (c) => c.args.channel === 'D0SLOW');
    expect(call.at).toBeGreaterThanOrEqual(answeredAt);
  });

  it('escapes what a person typed when it is echoed back', async () => {
    // A person who literally types "<!channel> hi <@U123>" reaches us escaped, as Slack sends it.
    await postEvent(eventBody({ text: '&lt;!channel&gt; hi &lt;@U123&gt; &amp; more', channel: 'D0INJECT' }));
    const call = await api.waitForCall('chat.postMessage', (c) => c.args.channel === 'D0INJECT');
    expect(received.find((a) => a.conversation?.id === `${TEAM}:D0INJECT`)?.text).toBe('<!channel> hi <@U123> & more');
    expect(echoedText(call)).toBe('echo|{"text":"&lt;!channel&gt; hi &lt;@U123&gt; &amp; more"}');
    expect(call.args.text).toBe(echoedText(call));
    expect(JSON.stringify(call.args.blocks)).not.toMatch(/<!channel>|<@U123>/);

    // A real @channel and mention arrive as markup; they come back as plain words, never as live markup.
    await postEvent(eventBody({ text: '<!channel> hi <@U123>', channel: 'D0INJECT2' }));
    const second = await api.waitForCall('chat.postMessage', (c) => c.args.channel === 'D0INJECT2');
    expect(echoedText(second)).toBe('echo|{"text":"@channel hi @U123"}');
    expect(JSON.stringify(second.args)).not.toMatch(/[<>]/);
  });

  it('acknowledges signed events it does not handle', async () => {
    const body = JSON.stringify({ type: 'app_rate_limited', team_id: TEAM, minute_rate_limited: 1518467820, api_app_id: 'A0APP' });
    expect((await postEvent(body)).status).toBe(200);
  });

  it('answers 404 when the channel is off', async () => {
    const body = eventBody({ text: 'anyone?', channel: 'D0OFF' });
    const response = await postEvent(body, signedHeaders(body), offApp.base);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  });
});

describe('POST /api/slack/interactions', () => {
  it('turns a button click into a message activity carrying the button value', async () => {
    const response = await postInteraction(
      blockActions({ channel: { id: 'D0CLICK' }, container: { channel_id: 'D0CLICK', message_ts: '1700000000.000300' } }),
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    const call = await api.waitForCall('chat.postMessage', (c) => c.args.channel === 'D0CLICK');
    const activity = received.find((a) => a.conversation?.id === `${TEAM}:D0CLICK`);
    expect(activity?.value).toEqual({ gatewayDoctor: { intent: 'yes' } });
    expect(activity?.replyToId).toBe('1700000000.000300');
    expect(echoedText(call)).toBe(`echo|${JSON.stringify({ text: '', value: '{"gatewayDoctor":{"intent":"yes"}}' })}`);
  });

  it('answers a click in a thread in that thread', async () => {
    await postInteraction(
      blockActions({
        channel: { id: 'C0CLICKTHREAD' },
        container: { channel_id: 'C0CLICKTHREAD', message_ts: '1700000000.000400', thread_ts: '1700000000.000100' },
        message: { ts: '1700000000.000400', thread_ts: '1700000000.000100' },
      }),
    );
    const call = await api.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0CLICKTHREAD');
    expect(call.args.thread_ts).toBe('1700000000.000100');
  });

  it('ignores clicks on buttons that are not ours and refuses a body without a payload', async () => {
    const before = received.length;
    const foreign = blockActions({
      channel: { id: 'D0FOREIGN' },
      actions: [{ type: 'button', action_id: 'other_app', value: 'x', action_ts: '1700000002.000001' }],
    });
    expect((await postInteraction(foreign)).status).toBe(200);
    await tasks.idle();
    expect(received.length).toBe(before);

    const body = 'nothing=here';
    const response = await fetch(`${app.base}/api/slack/interactions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...signedHeaders(body) },
      body,
    });
    expect(response.status).toBe(400);
  });

  it('refuses an unsigned interaction', async () => {
    const body = new URLSearchParams({ payload: JSON.stringify(blockActions({ channel: { id: 'D0UNSIGNED' } })) }).toString();
    const response = await fetch(`${app.base}/api/slack/interactions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...signedHeaders(body, { secret: 'wrong' }) },
      body,
    });
    expect(response.status).toBe(401);
  });
});
