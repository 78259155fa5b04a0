/**
 * The two-way hand-off through the whole app: a web chat visitor (the official botframework-directlinejs
 * client) asks for a person, the case is posted to a Slack channel (Slack's Web API faked on loopback), an
 * agent answers in the post's thread (Events API requests signed as Slack signs them) and the visitor reads
 * it; the visitor's next words reach the thread; "end" from either side returns the visitor to the bot. The
 * same through a Teams reply chain (the connector faked on loopback), and across a restart on SQLite.
 */
import { startConnector } from '../../helpers/fake-connector';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectLine, type Activity as ClientActivity } from 'botframework-directlinejs';
import type { Subscription } from 'rxjs/Subscription';
import { createI18n, translatorFor } from '../../../src/core/i18n';
import type { RunningApp } from '../../../src/index';
import { withBrowserGlobals } from '../webchat/helpers/browser-globals';
import { createActivity, createTestApp, sendActivity } from '../../helpers/create-test-app';
import { createFakeSlackApi, type FakeSlackApi } from '../../helpers/fake-slack-api';

jest.setTimeout(30_000);

const SECRET = 'two-way-signing-secret';
const TOKEN = 'xoxb-test-token';
const TEAM = 'T0TEAM';
const HELP_CHANNEL = 'C0HELP';
const AGENT = 'U0AGENT';
const BOT_USER = 'U0BOT';
const t = translatorFor(createI18n(), 'en');

type BotActivity = ClientActivity & { channelData?: { gatewayDoctor?: { state: string } }; text?: string };

async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether a bot message says this reply key (web chat renders replies as Adaptive Cards). */
const says = (activity: BotActivity, key: string): boolean => JSON.stringify(activity).includes(JSON.stringify(t(key)).slice(1, -1));

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** POSTs an Events API envelope signed exactly as Slack signs it. */
async function slackEvent(app: RunningApp, event: Record<string, unknown>): Promise<number> {
  const body = JSON.stringify({
    type: 'event_callback',
    team_id: TEAM,
    api_app_id: 'A0APP',
    event_id: `Ev${randomUUID().replace(/-/g, '').slice(0, 12)}`,
    event,
    authorizations: [{ user_id: BOT_USER }],
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  const res = await fetch(`${app.url}/api/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
    body,
  });
  return res.status;
}

/** An agent's reply in the thread of the case's post. */
const agentSays = (app: RunningApp, threadTs: string, text: string) =>
  slackEvent(app, {
    type: 'message',
    channel: HELP_CHANNEL,
    channel_type: 'channel',
    user: AGENT,
    text,
    ts: `${Date.now() / 1000}`,
    thread_ts: threadTs,
  });

describe('a live hand-off from web chat to a Slack thread', () => {
  let restoreGlobals: () => void;
  let slack: FakeSlackApi;
  let app: RunningApp;
  const clients: { directLine: DirectLine; subscription: Subscription }[] = [];

  beforeAll(async () => {
    restoreGlobals = withBrowserGlobals();
    slack = await createFakeSlackApi({ token: TOKEN });
    app = await createTestApp({
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_API_URL: slack.url,
      HANDOFF_SLACK_CHANNEL: HELP_CHANNEL,
      ADMIN_API_TOKEN: 'inbox-token',
    });
  });
  afterAll(async () => {
    for (const client of clients) {
      client.subscription.unsubscribe();
      client.directLine.end();
    }
    await app.close();
    await slack.close();
    restoreGlobals();
  });

  async function connect() {
    const base = app.url.replace('localhost', '127.0.0.1');
    const res = await fetch(`${base}/api/webchat/token`, { method: 'POST' });
    const { token } = (await res.json()) as { token: string };
    const directLine = new DirectLine({ token, domain: `${base}/v3/directline`, webSocket: false, pollingInterval: 200 });
    const received: BotActivity[] = [];
    const subscription = directLine.activity$.subscribe((activity) => {
      if (activity.from.role === 'bot' && activity.type === 'message') received.push(activity as BotActivity);
    });
    clients.push({ directLine, subscription });
    const send = (text: string, value?: unknown) =>
      new Promise<void>((resolve, reject) => {
        directLine
          .postActivity({
            type: 'message',
            from: { id: 'visitor', role: 'user', name: 'Ana' },
            text,
            ...(value ? { value } : {}),
          } as ClientActivity)
          .subscribe({ next: () => resolve(), error: reject });
      });
    return { send, received };
  }

  const stateOf = (a: BotActivity | undefined) => a?.channelData?.gatewayDoctor?.state;

  /** A visitor who asked for a person and is now live; resolves with the thread ts of the case's post. */
  async function liveVisitor() {
    const chat = await connect();
    const postsBefore = slack.callsTo('chat.postMessage').length;
    await chat.send('I want to talk to a person');
    await waitFor(() => chat.received.find((a) => stateOf(a) === 'handoffLive'), 'the live hand-off');
    const post = await waitFor(
      () =>
        slack
          .callsTo('chat.postMessage')
          .slice(postsBefore)
          .find((c) => c.args.channel === HELP_CHANNEL && !c.args.thread_ts),
      'the case posted to the help channel',
    );
    const ts = `1700000000.${String(slack.callsTo('chat.postMessage').indexOf(post) + 1).padStart(6, '0')}`;
    return { chat, ts };
  }

  it('an agent reply in the thread reaches the visitor, marked as the help desk', async () => {
    const { chat, ts } = await liveVisitor();
    const connected = chat.received.find((a) => stateOf(a) === 'handoffLive');
    expect(connected && says(connected, 'handoffDesk.connected')).toBe(true);
    expect(await agentSays(app, ts, 'Hi Ana, I am looking at your case now.')).toBe(200);
    const relayed = await waitFor(() => chat.received.find((a) => stateOf(a) === 'handoff.agent'), "the agent's reply");
    expect(relayed.text).toBe('Hi Ana, I am looking at your case now.');
    expect(relayed.from.name).toBe(`${AGENT.toLowerCase()} (${t('handoffDesk.agentLabel')})`);
    const [listed] = (await (await fetch(`${app.url}/api/admin/handoffs`, { headers: { authorization: 'Bearer inbox-token' } })).json())
      .cases as {
      status: string;
      transcript: { from: string }[];
    }[];
    expect(listed?.status).toBe('active');
  });

  it("the visitor's next words reach the thread, and the bot stays quiet", async () => {
    const { chat, ts } = await liveVisitor();
    await agentSays(app, ts, 'What do you see?');
    await waitFor(() => chat.received.find((a) => stateOf(a) === 'handoff.agent'), "the agent's question");
    const before = chat.received.length;
    await chat.send('https://shop.example still shows 502');
    const relayed = await waitFor(
      () => slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts === ts && String(c.args.text).includes('still shows 502')),
      'the visitor words in the thread',
    );
    expect(String(relayed.args.text)).toContain('(via Gateway Doctor)');
    await pause(400);
    expect(chat.received.slice(before)).toEqual([]);
  });

  it('"end" from the agent returns the visitor to the bot, with a line, and closes the case', async () => {
    const { chat, ts } = await liveVisitor();
    await agentSays(app, ts, 'end');
    const back = await waitFor(() => chat.received.find((a) => says(a, 'handoffDesk.endedByAgent')), 'the way back to the bot');
    expect(stateOf(back)).toBe('greeting');
    const cases = await app.desk.store.listOpen(100);
    expect(cases.some((c) => c.links.slack?.ts === ts)).toBe(false);
    // The bot answers again.
    await chat.send('help');
    await waitFor(() => chat.received.find((a) => says(a, 'help.body')), 'the bot answering again');
  });

  it('"end" from the visitor returns them to the bot and tells the thread', async () => {
    const { chat, ts } = await liveVisitor();
    await chat.send('end');
    const back = await waitFor(() => chat.received.find((a) => says(a, 'handoffDesk.endedByPerson')), 'the way back');
    expect(stateOf(back)).toBe('greeting');
    await waitFor(
      () => slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts === ts && String(c.args.text).startsWith('Case closed')),
      'the thread told',
    );
    // A late agent reply no longer reaches the visitor.
    const before = chat.received.length;
    await agentSays(app, ts, 'Are you still there?');
    await pause(400);
    expect(chat.received.slice(before)).toEqual([]);
  });

  it('ignores bot posts, edits and unknown threads in the help channel, and stays healthy', async () => {
    const { chat, ts } = await liveVisitor();
    const before = chat.received.length;
    await slackEvent(app, { type: 'message', channel: HELP_CHANNEL, bot_id: 'B1', text: 'bot echo', ts: '1.1', thread_ts: ts });
    await slackEvent(app, { type: 'message', subtype: 'message_changed', channel: HELP_CHANNEL, ts: '1.2', thread_ts: ts });
    await slackEvent(app, { type: 'message', channel: HELP_CHANNEL, user: AGENT, text: 'x', ts: '1.3', thread_ts: '999.999' });
    await slackEvent(app, { type: 'message', channel: HELP_CHANNEL, user: AGENT, text: 'x'.repeat(100_000), ts: '1.4', thread_ts: ts });
    const huge = await waitFor(() => chat.received.slice(before).find((a) => stateOf(a) === 'handoff.agent'), 'the capped reply');
    expect(huge.text?.length).toBe(4000);
    expect(chat.received.slice(before)).toHaveLength(1);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });
});

describe('a live hand-off answered from a Teams reply chain', () => {
  it('reaches the person, once, and "end" in the chain returns them to the bot', async () => {
    const connector = await startConnector();
    const webhook = await startConnector();
    const app = await createTestApp({ HANDOFF_WEBHOOK_URL: `${webhook.url}hook`, ADMIN_API_TOKEN: 'inbox-token' });
    try {
      const person = { channelId: 'emulator', serviceUrl: connector.url, conversation: { id: 'person-1' } };
      const handed = await sendActivity(app.url, createActivity({ ...person, text: 'talk to a person' }));
      expect(handed.map((r) => r.channelData?.gatewayDoctor?.state)).toContain('handoffLive');
      const [open] = await app.desk.store.listOpen(10);
      if (!open) throw new Error('no case stored');
      // As if the Teams target had posted the case's card (its reply chain id is what the target stores).
      const chain = '19:helpdesk@thread.tacv2;messageid=1700000000001';
      await app.desk.store.setLinks(open.id, { teams: { conversationId: chain, serviceUrl: connector.url } });

      const reply = createActivity({
        id: 'teams-reply-1',
        channelId: 'msteams',
        deliveryMode: undefined,
        serviceUrl: connector.url,
        conversation: { id: chain, conversationType: 'channel', isGroup: true },
        from: { id: '29:agent', name: 'Maya' },
        recipient: { id: '28:bot', name: 'Gateway Doctor' },
        text: '<at>Gateway Doctor</at> Hello from Teams',
        entities: [{ type: 'mention', text: '<at>Gateway Doctor</at>', mentioned: { id: '28:bot', name: 'Gateway Doctor' } }],
      });
      const post = (activity: Record<string, unknown>) =>
        fetch(`${app.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(activity),
        });
      expect((await post(reply)).status).toBe(200);
      // Teams delivers again: still once.
      expect((await post(reply)).status).toBe(200);
      const relayed = await waitFor(
        () => connector.posted.find((p) => p.path.includes('person-1') && p.body.channelData?.gatewayDoctor?.state === 'handoff.agent'),
        'the agent reply in the person conversation',
      );
      expect(relayed.body.text).toBe(`Maya (${t('handoffDesk.agentLabel')}): Hello from Teams`);
      await pause(300);
      expect(connector.posted.filter((p) => p.body.channelData?.gatewayDoctor?.state === 'handoff.agent')).toHaveLength(1);
      // Nothing was posted into the chain as a bot answer: the agent's message was not a turn of the bot.
      expect(connector.posted.some((p) => p.path.includes('19%3Ahelpdesk'))).toBe(false);

      // While live, the person's messages get no bot answer.
      expect(await sendActivity(app.url, createActivity({ ...person, text: 'thanks, waiting' }))).toEqual([]);
      const transcript = (await app.desk.store.get(open.id))?.transcript.map((line) => line.text);
      expect(transcript).toEqual(['Hello from Teams', 'thanks, waiting']);

      await post({ ...reply, id: 'teams-reply-2', text: 'end' });
      await waitFor(
        () => connector.posted.find((p) => p.path.includes('person-1') && p.body.text === t('handoffDesk.endedByAgent')),
        'the way back to the bot',
      );
      expect((await app.desk.store.get(open.id))?.status).toBe('ended');
    } finally {
      await app.close();
      await connector.close();
      await webhook.close();
    }
  });
});

describe('a restart mid-case', () => {
  it('keeps the case and the live state (SQLite)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gd-two-way-'));
    const slack = await createFakeSlackApi({ token: TOKEN });
    const connector = await startConnector();
    const env = {
      STORAGE: `sqlite:${path.join(dir, 'state.db')}`,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_API_URL: slack.url,
      HANDOFF_SLACK_CHANNEL: HELP_CHANNEL,
    };
    const person = { channelId: 'emulator', serviceUrl: connector.url, conversation: { id: 'restart-1' } };
    try {
      const first = await createTestApp(env);
      const handed = await sendActivity(first.url, createActivity({ ...person, text: 'talk to a person' }));
      expect(handed.at(-1)?.channelData?.gatewayDoctor?.state).toBe('handoffLive');
      await first.close();

      const second = await createTestApp(env);
      try {
        await agentSays(second, '1700000000.000001', 'Back after the restart');
        await waitFor(
          () =>
            connector.posted.find(
              (p) =>
                p.path.includes('restart-1') &&
                p.body.text === `${AGENT.toLowerCase()} (${t('handoffDesk.agentLabel')}): Back after the restart`,
            ),
          'the agent reply after the restart',
        );
        expect(await sendActivity(second.url, createActivity({ ...person, text: 'great, thanks' }))).toEqual([]);
        await waitFor(
          () =>
            slack
              .callsTo('chat.postMessage')
              .find((c) => c.args.thread_ts === '1700000000.000001' && String(c.args.text).includes('great, thanks')),
          'the person words in the thread',
        );
      } finally {
        await second.close();
      }
    } finally {
      await slack.close();
      await connector.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
