/**
 * Several Slack workspaces through the whole app: the OAuth install flow (`/api/slack/install` ->
 * Slack's authorize URL with a signed state and its cookie, `/api/slack/oauth/callback` exchanging the
 * code at SLACK_API_URL's `oauth.v2.access`), the team's token then used for its events, forged states
 * refused, and a team with no installation ignored without a crash. Slack's Web API is faked on loopback.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunningApp } from '../../../src/index';
import { expectHealthy } from '../../helpers/attack';
import { createTestApp } from '../../helpers/create-test-app';
import { createFakeSlackApi, type FakeSlackApi } from '../../helpers/fake-slack-api';
import { createHttpServer, type LoopbackServer } from '../../helpers/loopback-servers';

jest.setTimeout(30_000);

const SECRET = 'oauth-signing-secret';
const CLIENT_ID = '111.222';
const CLIENT_SECRET = 'client-secret-for-tests';
const TEAM_TOKEN = 'xoxb-team-two';

let slack: FakeSlackApi;
let oauth: LoopbackServer;
const exchanges: URLSearchParams[] = [];
let app: RunningApp;

/** Answers oauth.v2.access and auth.test as Slack does; every other method goes on to the fake Web API. */
async function createOAuthFront(): Promise<LoopbackServer> {
  return createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0];
      res.setHeader('content-type', 'application/json');
      if (method === 'oauth.v2.access') {
        const args = new URLSearchParams(body);
        exchanges.push(args);
        const basic = req.headers.authorization ?? '';
        const clientOk =
          (args.get('client_id') === CLIENT_ID && args.get('client_secret') === CLIENT_SECRET) ||
          basic === `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
        res.end(
          JSON.stringify(
            clientOk && args.get('code') === 'good-code'
              ? {
                  ok: true,
                  app_id: 'A0APP',
                  authed_user: { id: 'U0ADMIN' },
                  scope: 'chat:write',
                  token_type: 'bot',
                  access_token: TEAM_TOKEN,
                  bot_user_id: 'U0BOT2',
                  team: { id: 'T0TWO', name: 'Team Two' },
                  enterprise: null,
                  is_enterprise_install: false,
                }
              : { ok: false, error: 'invalid_code' },
          ),
        );
        return;
      }
      if (method === 'auth.test') {
        res.end(
          JSON.stringify({
            ok: true,
            url: 'https://two.slack.com/',
            team: 'Team Two',
            user: 'bot',
            team_id: 'T0TWO',
            user_id: 'U0BOT2',
            bot_id: 'B0BOT2',
          }),
        );
        return;
      }
      const forwarded = await fetch(`${slack.url}${method}`, {
        method: 'POST',
        headers: {
          'content-type': String(req.headers['content-type'] ?? 'application/x-www-form-urlencoded'),
          authorization: req.headers.authorization ?? '',
        },
        body,
      });
      res.end(await forwarded.text());
    });
  });
}

beforeAll(async () => {
  slack = await createFakeSlackApi({ token: TEAM_TOKEN });
  oauth = await createOAuthFront();
  app = await createTestApp({
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_CLIENT_ID: CLIENT_ID,
    SLACK_CLIENT_SECRET: CLIENT_SECRET,
    SLACK_API_URL: `${oauth.url}api/`,
  });
});
afterAll(async () => {
  await app.close();
  await oauth.close();
  await slack.close();
});

async function startInstall(): Promise<{ state: string; cookie: string; location: URL }> {
  const res = await fetch(`${app.url}/api/slack/install`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location') ?? '');
  const state = location.searchParams.get('state') ?? '';
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { state, cookie, location };
}

const callback = (query: string, cookie?: string) =>
  fetch(`${app.url}/api/slack/oauth/callback?${query}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });

async function event(teamId: string, text: string): Promise<number> {
  return signedEvent(teamId, { type: 'message', channel: 'D0DM', channel_type: 'im', user: 'U0ANA', text, ts: `${Date.now() / 1000}` });
}

async function signedEvent(teamId: string, inner: Record<string, unknown>): Promise<number> {
  const body = JSON.stringify({
    type: 'event_callback',
    team_id: teamId,
    event_id: `Ev${randomUUID().replace(/-/g, '').slice(0, 12)}`,
    event: inner,
    authorizations: [{ user_id: 'U0BOT2' }],
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

describe('the Slack install flow', () => {
  it('redirects to Slack with the client id, the bot scopes and a state bound to a cookie', async () => {
    const { state, cookie, location } = await startInstall();
    expect(location.origin + location.pathname).toBe('https://slack.com/oauth/v2/authorize');
    expect(location.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(location.searchParams.get('scope')).toContain('chat:write');
    expect(state.length).toBeGreaterThan(20);
    expect(cookie).toContain(state);
  });

  it('refuses forged, foreign and cookie-less states without calling Slack', async () => {
    const { state, cookie } = await startInstall();
    const before = exchanges.length;
    expect((await callback(`code=good-code&state=forged`, 'slack-app-oauth-state=forged')).status).toBe(400);
    expect((await callback(`code=good-code&state=${encodeURIComponent(state)}`)).status).toBe(400);
    const other = await startInstall();
    expect((await callback(`code=good-code&state=${encodeURIComponent(other.state)}`, cookie)).status).toBe(400);
    expect((await callback(`code=good-code&state=${'x'.repeat(5000)}`, cookie)).status).toBe(400);
    expect((await callback('error=access_denied', cookie)).status).toBe(400);
    expect(exchanges.length).toBe(before);
    expect(await event('T0TWO', 'hello')).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.callsTo('chat.postMessage')).toEqual([]);
    await expectHealthy(app.url);
  });

  it('installs a workspace: the code is exchanged and the team then gets answers with its own token', async () => {
    const { state, cookie } = await startInstall();
    const res = await callback(`code=good-code&state=${encodeURIComponent(state)}`, cookie);
    expect(res.status).toBe(200);
    expect(exchanges.at(-1)?.get('code')).toBe('good-code');
    expect(await event('T0TWO', 'hello')).toBe(200);
    const posted = await slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'D0DM', 10_000);
    expect(posted.authorization).toBe(`Bearer ${TEAM_TOKEN}`);
    // The same state cannot be used twice.
    expect((await callback(`code=good-code&state=${encodeURIComponent(state)}`, cookie)).status).toBe(400);
  });

  it('a team with no installation gets no answer and no crash', async () => {
    const before = slack.callsTo('chat.postMessage').length;
    expect(await event('T0NOBODY', 'hello')).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      slack
        .callsTo('chat.postMessage')
        .slice(before)
        .filter((c) => c.args.channel === 'D0DM'),
    ).toEqual([]);
    await expectHealthy(app.url);
  });
});

describe('a workspace that removes the app', () => {
  /** Installs T0TWO again and checks that it is answered with its own token. */
  async function installed(): Promise<void> {
    const { state, cookie } = await startInstall();
    expect((await callback(`code=good-code&state=${encodeURIComponent(state)}`, cookie)).status).toBe(200);
    const before = slack.callsTo('chat.postMessage').length;
    expect(await event('T0TWO', 'hello')).toBe(200);
    await slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'D0DM' && slack.callsTo('chat.postMessage').length > before,
      10_000,
    );
  }

  /** True when the team is no longer answered within a while (no token left for it). */
  async function forgotten(): Promise<boolean> {
    const before = slack.callsTo('chat.postMessage').length;
    expect(await event('T0TWO', 'hello again')).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 400));
    return slack.callsTo('chat.postMessage').length === before;
  }

  it('leaves no token behind on app_uninstalled', async () => {
    await installed();
    expect(await signedEvent('T0TWO', { type: 'app_uninstalled' })).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await forgotten()).toBe(true);
    await expectHealthy(app.url);
  });

  it('forgets the installation when the bot token is revoked, not when only a user token is', async () => {
    await installed();
    expect(await signedEvent('T0TWO', { type: 'tokens_revoked', tokens: { oauth: ['U0ANA'] } })).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await forgotten()).toBe(false);
    expect(await signedEvent('T0TWO', { type: 'tokens_revoked', tokens: { bot: ['U0BOT2'] } })).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await forgotten()).toBe(true);
  });

  it('an unsigned uninstall changes nothing', async () => {
    await installed();
    const body = JSON.stringify({ type: 'event_callback', team_id: 'T0TWO', event_id: 'EvFORGED', event: { type: 'app_uninstalled' } });
    const res = await fetch(`${app.url}/api/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
        'x-slack-signature': 'v0=00',
      },
      body,
    });
    expect(res.status).toBe(401);
    expect(await forgotten()).toBe(false);
  });
});

describe('without SLACK_CLIENT_ID', () => {
  it('the install routes answer 404, and SLACK_BOT_TOKEN alone keeps working', async () => {
    const single = await createTestApp({ SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: TEAM_TOKEN, SLACK_API_URL: slack.url });
    try {
      expect((await fetch(`${single.url}/api/slack/install`, { redirect: 'manual' })).status).toBe(404);
      expect((await fetch(`${single.url}/api/slack/oauth/callback?code=x&state=y`)).status).toBe(404);
    } finally {
      await single.close();
    }
  });
});
