/**
 * Incident commands end to end through Slack: events and button clicks signed exactly as Slack signs them,
 * the whole app on loopback, Slack's Web API faked on loopback. An ADMIN_USERS member declares an incident
 * with a confirmation card; anyone else is refused and nothing is stored.
 */
import { createHmac } from 'node:crypto';
import type { RunningApp } from '../../src/index';
import { createTestApp } from '../helpers/create-test-app';
import { createFakeSlackApi, type FakeSlackApi, type FakeSlackCall } from '../helpers/fake-slack-api';
import { expectHealthy } from '../helpers/attack';

const SECRET = 'incident-slack-signing-secret';
const TOKEN = 'xoxb-incident-test';
const TEAM = 'T0TEAM';
let counter = 0;

function signed(body: string): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const digest = createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'X-Slack-Request-Timestamp': String(timestamp), 'X-Slack-Signature': `v0=${digest}` };
}

function messageEvent(user: string, channel: string, text: string): string {
  counter += 1;
  return JSON.stringify({
    token: 'legacy',
    team_id: TEAM,
    api_app_id: 'A0APP',
    event: {
      type: 'message',
      text,
      user,
      channel,
      channel_type: 'im',
      ts: `1700001${String(counter).padStart(3, '0')}.000100`,
      event_ts: '1700000000.000100',
    },
    type: 'event_callback',
    event_id: `Ev${counter}${Date.now()}`,
    event_time: 1700000000,
    authorizations: [{ team_id: TEAM, user_id: 'U0BOT', is_bot: true }],
  });
}

/** The value of the button with `intent` in a posted Block Kit message. */
function buttonValue(call: FakeSlackCall, intent: string): string | undefined {
  const blocks = (call.args.blocks ?? []) as { type: string; elements?: { value?: string }[] }[];
  for (const block of blocks) {
    for (const element of block.elements ?? []) {
      if (element.value?.includes(`"intent":"${intent}"`)) return element.value;
    }
  }
  return undefined;
}

describe('incident commands through Slack', () => {
  let api: FakeSlackApi;
  let app: RunningApp;

  beforeAll(async () => {
    api = await createFakeSlackApi({ token: TOKEN });
    app = await createTestApp({
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_API_URL: api.url,
      ADMIN_USERS: 'slack:U0ADMIN,webchat:U0ANA',
    });
  });
  afterAll(async () => {
    await app.close();
    await api.close();
  });

  const postEvent = (body: string) =>
    fetch(`${app.url}/api/slack/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...signed(body) }, body });
  const click = (user: string, channel: string, value: string) => {
    const payload = {
      type: 'block_actions',
      api_app_id: 'A0APP',
      user: { id: user, team_id: TEAM },
      team: { id: TEAM, domain: 'example' },
      channel: { id: channel, name: 'directmessage' },
      container: { type: 'message', message_ts: '1700000000.000300', channel_id: channel, is_ephemeral: false },
      message: { type: 'message', ts: '1700000000.000300', text: 'fallback' },
      trigger_id: '123.456.abc',
      response_url: 'https://hooks.slack.invalid/actions/T/1/2',
      actions: [
        {
          type: 'button',
          action_id: 'gd_yes',
          block_id: 'b1',
          text: { type: 'plain_text', text: 'Confirm' },
          value,
          action_ts: `1700000001.${counter}`,
        },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return fetch(`${app.url}/api/slack/interactions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...signed(body) },
      body,
    });
  };
  const postedTo = (channel: string) => (call: FakeSlackCall) => call.args.channel === channel;

  it('an admin declares an incident after pressing Confirm on the Block Kit card', async () => {
    expect(
      (await postEvent(messageEvent('U0ADMIN', 'D0ADMIN', 'declare an incident on shop.example.com: checkout paused, back in 30 min')))
        .status,
    ).toBe(200);
    const card = await api.waitForCall('chat.postMessage', postedTo('D0ADMIN'));
    const confirm = buttonValue(card, 'yes');
    expect(confirm).toContain('incident.confirm');
    expect(await app.core.incidents.list()).toEqual([]);

    expect((await click('U0ADMIN', 'D0ADMIN', confirm ?? '')).status).toBe(200);
    await api.waitForCall('chat.postMessage', (call) => postedTo('D0ADMIN')(call) && call !== card);
    expect(await app.core.incidents.list({ open: true })).toMatchObject([
      { host: 'shop.example.com', title: 'checkout paused', etaMinutes: 30 },
    ]);
  });

  it('refuses someone not in ADMIN_USERS (a web chat listing does not count) and stores nothing', async () => {
    const before = (await app.core.incidents.list()).length;
    await postEvent(messageEvent('U0ANA', 'D0ANA', 'resolve the incident on shop.example.com'));
    const refusal = await api.waitForCall('chat.postMessage', postedTo('D0ANA'));
    expect(buttonValue(refusal, 'yes')).toBeUndefined();
    // A forged confirmation click from the same person changes nothing either.
    await click('U0ANA', 'D0ANA', JSON.stringify({ gatewayDoctor: { intent: 'yes', state: 'incident.confirm' } }));
    await api.waitForCall('chat.postMessage', (call) => postedTo('D0ANA')(call) && call !== refusal);
    expect(await app.core.incidents.list({ open: true })).toHaveLength(before);
    await expectHealthy(app.url);
  });
});
