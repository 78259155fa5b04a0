/**
 * The agent inbox against the real app: the page (no token in it, our own script only), the admin API
 * (401 for a wrong token, 404 for an unknown case, 400 for bad bodies), a reply that reaches the person
 * in their own conversation, exactly once per Idempotency-Key, and the end that returns them to the bot.
 */
import { startConnector, type FakeConnector } from '../../helpers/fake-connector';
import { createI18n, translatorFor } from '../../../src/core/i18n';
import type { RunningApp } from '../../../src/index';
import { expectHealthy } from '../../helpers/attack';
import { createActivity, createTestApp, sendActivity } from '../../helpers/create-test-app';

const TOKEN = 'inbox-admin-token-0123456789';
const t = translatorFor(createI18n(), 'en');

async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let app: RunningApp;
let connector: FakeConnector;
let webhook: FakeConnector;
const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  connector = await startConnector();
  webhook = await startConnector();
  app = await createTestApp({ ADMIN_API_TOKEN: TOKEN, HANDOFF_WEBHOOK_URL: `${webhook.url}hook` });
});
afterAll(async () => {
  await app.close();
  await connector.close();
  await webhook.close();
});

let conversations = 0;
/** A person on the Emulator channel (replies go to the fake connector) who asked for a person; resolves with the case id. */
async function openCase(): Promise<{ id: string; conversationId: string }> {
  conversations += 1;
  const conversationId = `inbox-person-${conversations}`;
  const replies = await sendActivity(
    app.url,
    createActivity({ serviceUrl: connector.url, conversation: { id: conversationId }, text: 'talk to a person' }),
  );
  expect(replies.at(-1)?.channelData?.gatewayDoctor?.state).toBe('handoffLive');
  const open = await app.desk.store.listOpen(100);
  const found = open.find((c) => c.source.conversationId === conversationId);
  if (!found) throw new Error('case not stored');
  return { id: found.id, conversationId };
}

const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
  fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('the inbox page', () => {
  it('is served with a strict policy, asks for the token and never puts it in a URL', async () => {
    const res = await fetch(`${app.url}/status/inbox`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('type="password"');
    expect(html).toContain('src="/assets/inbox.js"');
    expect(html).not.toContain(TOKEN);
    const script = await (await fetch(`${app.url}/assets/inbox.js`)).text();
    expect(script).toContain('sessionStorage');
    expect(script).toContain('authorization');
    expect(script).not.toContain('innerHTML');
    expect(script).not.toMatch(/[?&]token=/);
    expect((await fetch(`${app.url}/assets/inbox.css`)).status).toBe(200);
  });
});

describe("the inbox page in the agent's language", () => {
  const stringsOf = (html: string) =>
    JSON.parse(/<script type="application\/json" id="inbox-strings">([^<]*)<\/script>/.exec(html)?.[1] ?? '{}') as Record<string, string>;

  it('follows Accept-Language, and ?lang= outranks it', async () => {
    const german = await fetch(`${app.url}/status/inbox`, { headers: { 'accept-language': 'de-AT,de;q=0.9,en;q=0.5' } });
    expect(german.headers.get('content-language')).toBe('de');
    const html = await german.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('<h1>Posteingang des Helpdesks</h1>');
    expect(html).toContain('<a href="/status">');
    expect(stringsOf(html)).toMatchObject({ send: 'Senden', openCases: 'Offene Fälle: {{count}}' });

    const japanese = await (await fetch(`${app.url}/status/inbox?lang=ja`, { headers: { 'accept-language': 'de' } })).text();
    expect(japanese).toContain('<html lang="ja">');
    expect(japanese).toContain('<a href="/status?lang=ja">');
    expect(stringsOf(japanese).send).toBe('送信');
  });

  it('falls back to English for a language it does not speak, and never lets a tag into the page', async () => {
    const res = await fetch(`${app.url}/status/inbox?lang=%3Cscript%3Ealert(1)%3C%2Fscript%3E`, {
      headers: { 'accept-language': 'xx-<b>, tlh;q=0.9' },
    });
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<h1>Help desk inbox</h1>');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<b>');
    expect(stringsOf(html).send).toBe('Send');
  });
});

describe('the inbox API', () => {
  it('lists open cases with their evidence and transcript', async () => {
    const { id } = await openCase();
    const res = await fetch(`${app.url}/api/admin/handoffs`, { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      cases: { id: string; status: string; summary: { lastMessages: string[] }; transcript: unknown[] }[];
    };
    const listed = body.cases.find((c) => c.id === id);
    expect(listed).toMatchObject({ status: 'waiting', transcript: [] });
    expect(listed?.summary.lastMessages).toContain('talk to a person');
    // The person's conversation reference (service URLs, ids) is not shown.
    expect(JSON.stringify(body)).not.toContain('serviceUrl');
  });

  it('a reply without a name reaches a German-speaking person as the help desk, in German', async () => {
    conversations += 1;
    const conversationId = `inbox-person-de-${conversations}`;
    const replies = await sendActivity(
      app.url,
      createActivity({
        serviceUrl: connector.url,
        conversation: { id: conversationId },
        locale: 'de-DE',
        text: 'Ich möchte mit einem Menschen sprechen',
      }),
    );
    expect(replies.at(-1)?.channelData?.gatewayDoctor?.state).toBe('handoffLive');
    const found = (await app.desk.store.listOpen(100)).find((c) => c.source.conversationId === conversationId);
    expect(found?.locale).toBe('de');
    expect((await post(`/api/admin/handoffs/${found?.id}/messages`, { text: 'Wir sehen uns das an.' })).status).toBe(202);
    const relayed = await waitFor(
      () => connector.posted.find((p) => p.path.includes(conversationId) && p.body.channelData?.gatewayDoctor?.state === 'handoff.agent'),
      'the nameless reply',
    );
    expect(relayed.body.text).toBe('Helpdesk: Wir sehen uns das an.');
    expect(relayed.body.text).not.toContain('Help desk');
  });

  it('sends a reply to the person, once per Idempotency-Key, and ends the case', async () => {
    const { id, conversationId } = await openCase();
    const headers = { ...auth, 'idempotency-key': `k-${id}` };
    expect((await post(`/api/admin/handoffs/${id}/messages`, { text: 'Hello from the inbox', name: 'Maya' }, headers)).status).toBe(202);
    expect((await post(`/api/admin/handoffs/${id}/messages`, { text: 'Hello from the inbox', name: 'Maya' }, headers)).status).toBe(202);
    const relayed = await waitFor(
      () => connector.posted.find((p) => p.path.includes(conversationId) && p.body.channelData?.gatewayDoctor?.state === 'handoff.agent'),
      'the reply in the person conversation',
    );
    expect(relayed.body.text).toBe(`Maya (${t('handoffDesk.agentLabel')}): Hello from the inbox`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(
      connector.posted.filter((p) => p.path.includes(conversationId) && p.body.channelData?.gatewayDoctor?.state === 'handoff.agent'),
    ).toHaveLength(1);
    expect((await app.desk.store.get(id))?.status).toBe('active');

    // The person answers: no bot reply, and the inbox shows it.
    expect(
      await sendActivity(app.url, createActivity({ serviceUrl: connector.url, conversation: { id: conversationId }, text: 'thank you' })),
    ).toEqual([]);
    const listed = (await (await fetch(`${app.url}/api/admin/handoffs`, { headers: auth })).json()) as {
      cases: { id: string; transcript: { from: string; text: string }[] }[];
    };
    expect(listed.cases.find((c) => c.id === id)?.transcript).toEqual([
      expect.objectContaining({ from: 'agent', text: 'Hello from the inbox' }),
      expect.objectContaining({ from: 'person', text: 'thank you' }),
    ]);

    expect((await post(`/api/admin/handoffs/${id}/end`, { name: 'Maya' })).status).toBe(200);
    await waitFor(
      () => connector.posted.find((p) => p.path.includes(conversationId) && p.body.text === t('handoffDesk.endedByAgent')),
      'the way back to the bot',
    );
    expect((await post(`/api/admin/handoffs/${id}/end`, {})).status).toBe(409);
    expect((await post(`/api/admin/handoffs/${id}/messages`, { text: 'too late' })).status).toBe(409);
    // Back with the bot: it answers again.
    const again = await sendActivity(
      app.url,
      createActivity({ serviceUrl: connector.url, conversation: { id: conversationId }, text: 'help' }),
    );
    expect(again.length).toBeGreaterThan(0);
  });

  it('a case closed without word reaching the person: their next message brings them back to the bot', async () => {
    const { id, conversationId } = await openCase();
    expect(await app.desk.store.transition(id, ['waiting'], 'ended', { endedBy: 'agent' })).toBe(true);
    const replies = await sendActivity(
      app.url,
      createActivity({ serviceUrl: connector.url, conversation: { id: conversationId }, text: 'hello?' }),
    );
    expect(replies.map((r) => r.channelData?.gatewayDoctor?.state)).toEqual(['greeting']);
    expect(JSON.stringify(replies)).toContain(t('handoffDesk.endedByAgent').slice(0, 30));
  });

  it('refuses wrong or missing tokens with 401', async () => {
    const { id } = await openCase();
    const forged: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: TOKEN },
    ];
    for (const headers of forged) {
      expect((await fetch(`${app.url}/api/admin/handoffs`, { headers })).status).toBe(401);
      expect((await post(`/api/admin/handoffs/${id}/messages`, { text: 'forged' }, headers)).status).toBe(401);
      expect((await post(`/api/admin/handoffs/${id}/end`, {}, headers)).status).toBe(401);
    }
    expect((await app.desk.store.get(id))?.status).toBe('waiting');
    await expectHealthy(app.url);
  });

  it('answers unknown ids with 404 and hostile bodies with 400, and stays healthy', async () => {
    const { id } = await openCase();
    for (const unknown of ['00000000-0000-0000-0000-000000000000', 'not-a-uuid', '..%2F..%2Fetc', 'x'.repeat(5000)]) {
      const res = await post(`/api/admin/handoffs/${unknown}/messages`, { text: 'hi' });
      expect([404, 414]).toContain(res.status);
      if (res.status === 404) expect(((await res.json()) as { error: string }).error).toBe('not_found');
    }
    expect((await post('/api/admin/handoffs/00000000-0000-0000-0000-000000000000/end', {})).status).toBe(404);
    const bad: unknown[] = [
      {},
      { text: '' },
      { text: '   ' },
      { text: 42 },
      { text: ['a'] },
      { text: 'x'.repeat(4001) },
      { text: 'ok', name: 'n'.repeat(81) },
      null,
      [],
      'str',
    ];
    for (const body of bad) {
      const res = await post(`/api/admin/handoffs/${id}/messages`, body === 'str' ? '"str"' : body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('bad_request');
    }
    expect((await post(`/api/admin/handoffs/${id}/messages`, '{"text": "unterminated')).status).toBe(400);
    expect((await post(`/api/admin/handoffs/${id}/end`, { name: 7 })).status).toBe(400);
    expect((await post(`/api/admin/handoffs/${id}/messages`, 'x'.repeat(300 * 1024))).status).toBe(413);
    expect((await app.desk.store.get(id))?.transcript).toEqual([]);
    await expectHealthy(app.url);
  });
});

describe('the inbox with the admin API off', () => {
  it('answers 404 and the page still loads', async () => {
    const off = await createTestApp({});
    try {
      expect((await fetch(`${off.url}/api/admin/handoffs`, { headers: auth })).status).toBe(404);
      expect((await fetch(`${off.url}/status/inbox`)).status).toBe(200);
    } finally {
      await off.close();
    }
  });
});
