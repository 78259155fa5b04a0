/**
 * `/api/messages` as a stranger would use it: as an open relay without an app id, with spoofed channel ids,
 * through a proxy, and with forged tokens when an app id is set. The replies of a refused activity never
 * leave the process, so a relay target that would be non-loopback is named under `.invalid` (it can never
 * resolve) and a fake connector on loopback proves what is and is not posted.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningApp } from '../../src/index';
import { isLoopbackUrl, looksLikeBotFrameworkToken } from '../../src/channels/botframework/bot-framework-routes';
import { expectHealthy } from '../helpers/attack';
import { createActivity, createTestApp } from '../helpers/create-test-app';

interface FakeConnector {
  url: string;
  posts: number;
  close(): Promise<void>;
}

async function createFakeConnector(): Promise<FakeConnector> {
  const state = { posts: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.posts += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `reply-${state.posts}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    get posts() {
      return state.posts;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (header: unknown, payload: unknown, signature = 'c2lnbmF0dXJl'): string => `${b64(header)}.${b64(payload)}.${signature}`;

async function waitFor(predicate: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('/api/messages without MicrosoftAppId: local development only', () => {
  let app: RunningApp;
  let connector: FakeConnector;
  beforeAll(async () => {
    app = await createTestApp();
    connector = await createFakeConnector();
  });
  afterAll(async () => {
    await app.close();
    await connector.close();
  });

  const post = (activity: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(activity),
    });

  it('relays to nothing but a loopback connector', async () => {
    for (const serviceUrl of [
      'https://relay-target.invalid/',
      'http://relay-target.invalid:8080/api',
      'http://user:pass@127.0.0.1:9/',
      'file:///etc/passwd',
      'not a url',
      'http://127.0.0.1.relay-target.invalid/',
    ]) {
      const res = await post(createActivity({ deliveryMode: undefined, serviceUrl, text: 'hi' }));
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    }
    await expectHealthy(app.url);
  });

  it('answers the Emulator on this machine, through a loopback connector or inline', async () => {
    const before = connector.posts;
    const res = await post(
      createActivity({ deliveryMode: undefined, serviceUrl: connector.url, conversation: { id: 'door-local' }, text: 'hi' }),
    );
    expect(res.status).toBe(200);
    await waitFor(() => connector.posts > before);
    const inline = await post(createActivity({ conversation: { id: 'door-inline' }, text: 'hi' }));
    expect(inline.status).toBe(200);
    expect(((await inline.json()) as { activities: unknown[] }).activities.length).toBeGreaterThan(0);
  });

  it('does not take a forwarded request for a local one', async () => {
    const forwarded: Record<string, string>[] = [
      { 'x-forwarded-for': '203.0.113.9' },
      { 'x-forwarded-for': '127.0.0.1' },
      { forwarded: 'for=127.0.0.1' },
    ];
    for (const header of forwarded) {
      const res = await post(createActivity({ conversation: { id: 'door-forwarded' }, text: 'hi' }), header);
      expect(res.status).toBe(401);
    }
  });

  it('refuses channel ids that belong to its own doors, so replies cannot be steered into them', async () => {
    for (const channelId of ['webchat', 'console']) {
      const res = await post(createActivity({ channelId, conversation: { id: 'someone-elses-web-chat' }, text: 'hi' }));
      expect(res.status).toBe(403);
    }
    await expectHealthy(app.url);
  });
});

describe('/api/messages without MicrosoftAppId behind a trusted proxy', () => {
  it('judges "local" on the address the proxy reports', async () => {
    const app = await createTestApp({ TRUST_PROXY: '1' });
    try {
      const post = (forwardedFor: string) =>
        fetch(`${app.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
          body: JSON.stringify(createActivity({ conversation: { id: `proxied-${forwardedFor}` }, text: 'hi' })),
        });
      expect((await post('203.0.113.9')).status).toBe(401);
      // Only the hop next to the proxy counts: a client cannot prepend its way to loopback.
      expect((await post('127.0.0.1, 203.0.113.9')).status).toBe(401);
      expect((await post('127.0.0.1')).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('/api/messages with MicrosoftAppId: forged tokens', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await createTestApp({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-used' });
  });
  afterAll(async () => {
    await app.close();
  });

  // Only tokens refused before any signing key is fetched are sent: tests never leave loopback.
  const forged: [string, string][] = [
    [
      'alg none',
      `Bearer ${jwt({ alg: 'none', typ: 'JWT' }, { iss: 'https://api.botframework.com', aud: '00000000-0000-0000-0000-000000000001' }, '')}x`,
    ],
    ['alg none, empty signature', `Bearer ${jwt({ alg: 'none' }, { iss: 'https://api.botframework.com' }, '')}`],
    ['HS256 signed with the app id', `Bearer ${jwt({ alg: 'HS256', kid: 'k' }, { iss: 'https://api.botframework.com' })}`],
    ['RS256 from a stranger', `Bearer ${jwt({ alg: 'RS256', kid: 'k' }, { iss: 'https://evil.example/' })}`],
    ['no kid', `Bearer ${jwt({ alg: 'RS256' }, { iss: 'https://api.botframework.com' })}`],
    ['not JSON inside', 'Bearer e30.bm90IGpzb24.c2ln'],
    ['two parts', 'Bearer abc.def'],
    ['huge', `Bearer ${'a'.repeat(10_000)}.${'b'.repeat(10)}.c`],
    ['Basic', 'Basic dXNlcjpwYXNz'],
    ['empty', ''],
  ];

  it.each(forged)('answers %s with 401 and no SDK text', async (_name, authorization) => {
    const res = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(createActivity({ channelId: 'msteams', serviceUrl: 'https://smba.trafficmanager.net/emea/', text: 'hi' })),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('unauthorized');
    expect(body.message).not.toMatch(/jwt|token signing|Signing Key|validateAndFix|Error:/i);
    await expectHealthy(app.url);
  });
});

describe('the token and URL checks', () => {
  it('accepts only RS256 tokens with a key id from Bot Framework or Entra ID issuers', () => {
    expect(looksLikeBotFrameworkToken(`Bearer ${jwt({ alg: 'RS256', kid: 'abc' }, { iss: 'https://api.botframework.com' })}`)).toBe(true);
    expect(looksLikeBotFrameworkToken(`Bearer ${jwt({ alg: 'RS256', kid: 'abc' }, { iss: 'https://sts.windows.net/tenant/' })}`)).toBe(
      true,
    );
    expect(
      looksLikeBotFrameworkToken(`Bearer ${jwt({ alg: 'RS256', kid: 'abc' }, { iss: 'https://api.botframework.com.evil.example' })}`),
    ).toBe(false);
    expect(
      looksLikeBotFrameworkToken(`Bearer ${jwt({ alg: 'RS256', kid: 'abc' }, { iss: 'https://evil.example/api.botframework.com' })}`),
    ).toBe(false);
    expect(looksLikeBotFrameworkToken(`Bearer ${jwt({ alg: 'ES256', kid: 'abc' }, { iss: 'https://api.botframework.com' })}`)).toBe(false);
  });

  it('knows a loopback connector URL in every spelling', () => {
    for (const url of [
      'http://localhost:3978/',
      'http://127.0.0.1:9/',
      'http://127.8.9.10/',
      'http://[::1]:3000/',
      'https://localhost/x',
    ]) {
      expect(isLoopbackUrl(url)).toBe(true);
    }
    for (const url of [
      'http://10.0.0.1/',
      'http://localhost.evil.example/',
      'http://[::ffff:10.0.0.1]/',
      'ftp://127.0.0.1/',
      'http://u:p@localhost/',
      undefined,
    ]) {
      expect(isLoopbackUrl(url)).toBe(false);
    }
  });
});
