/**
 * Understanding people, through the whole app (POST /api/messages, expectReplies, real loopback sites): a yes
 * with a request, role statements, polite endings, pasted logs whose addresses are evidence and never
 * targets, and the language a person types in.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunningApp } from '../../../src/index';
import translation from '../../../locales/en/translation.json';
import spanish from '../../../locales/es/translation.json';
import { createHttpServer, type LoopbackServer } from '../../helpers/loopback-servers';
import { createActivity, createTestApp, sendActivity, type BotReply } from '../../helpers/create-test-app';

const NGINX_502 = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>';
const LOGS = path.join(__dirname, '..', '..', 'fixtures', 'logs');

function last(replies: BotReply[]): BotReply {
  const reply = replies.at(-1);
  if (!reply) throw new Error('no reply');
  return reply;
}

/** The English text of a `cause.<id>` key, to find the cause sentence in a reply rendered in English. */
function causeText(cause: string): string {
  const text = (translation.cause as Record<string, string>)[cause];
  if (text === undefined) throw new Error(`no cause.${cause}`);
  return text.slice(0, 40);
}

describe('understanding people through the app', () => {
  let app: RunningApp;
  let down: LoopbackServer;
  let conversation = 0;
  const convo = () => {
    conversation += 1;
    return { id: `understand-${conversation}` };
  };
  const say = (c: { id: string }, text: string, extra: Record<string, unknown> = {}) =>
    sendActivity(app.url, createActivity({ conversation: c, text, ...extra }));

  beforeAll(async () => {
    app = await createTestApp();
    down = await createHttpServer((_req, res) => {
      res.writeHead(502, { server: 'nginx/1.25.3', 'content-type': 'text/html' });
      res.end(NGINX_502);
    });
  });
  afterAll(async () => {
    await app.close();
    await down.close();
  });

  it.each([
    ['en-US', 'yes please, tell me when {host} is back'],
    ['es-ES', 'sí porfa, avísame cuando {host} vuelva a funcionar'],
    ['fr-FR', 'oui merci, prévenez-moi quand {host} sera de retour'],
    ['de-DE', 'ja bitte, sag mir bescheid wenn {host} wieder da ist'],
    ['pt-BR', 'sim, por favor, me avisa quando {host} voltar'],
    ['ja-JP', 'はい、{host}が復旧したら教えてください'],
  ])('takes "yes + tell me when it is back" at the down offer as the watch request (%s)', async (locale, words) => {
    const c = convo();
    const first = await say(c, down.url, { locale });
    expect(last(first).channelData?.gatewayDoctor?.state).toBe('user.down');
    const host = new URL(down.url).host;
    const replies = await say(c, words.replace('{host}', host), { locale });
    expect(last(replies).channelData?.gatewayDoctor?.state).toBe('user.waiting');
  });

  it.each([
    ['fr-FR', "c'est mon site"],
    ['de-DE', 'die Seite gehört mir'],
    ['de-DE', 'ich betreibe die Seite'],
    ['en-US', "I'm the developer"],
  ])('switches to the administrator flow on a role statement (%s %j)', async (locale, words) => {
    const c = convo();
    await say(c, down.url, { locale });
    const replies = await say(c, words, { locale });
    expect(last(replies).channelData?.gatewayDoctor?.state).toMatch(/^admin\./);
  });

  it('reads "I run <url> and <server> is returning 502 to our customers" as an administrator', async () => {
    const replies = await say(convo(), `I run ${down.url} and nginx is returning 502 to our customers`);
    expect(last(replies).channelData?.gatewayDoctor?.state).toMatch(/^admin\./);
  });

  it('ends the conversation on a polite German "no thanks, that\'s it"', async () => {
    const c = convo();
    await say(c, down.url, { locale: 'de-DE' });
    const replies = await say(c, "nein danke, das war's", { locale: 'de-DE' });
    expect(last(replies).channelData?.gatewayDoctor?.state).toBe('ended');
  });

  it('checks again on a Spanish "¿puedes comprobarlo otra vez?"', async () => {
    const c = convo();
    await say(c, down.url, { locale: 'es-ES' });
    const replies = await say(c, '¿puedes comprobarlo otra vez?', { locale: 'es-ES' });
    // The site was checked again (probing.checking), not "sorry, I didn't catch that".
    const checking = spanish.probing.checking.split('{{')[0] ?? '';
    expect(replies.some((reply) => reply.text?.startsWith(checking))).toBe(true);
    expect(last(replies).channelData?.gatewayDoctor?.state).toBe('user.down');
  });

  it.each([
    ['on its own lines', '\n'],
    ['as one line (a single-line chat box)', ' '],
  ])('explains a pasted AWS ALB log %s and never probes the client address in it', async (_name, joiner) => {
    const alb = readFileSync(path.join(LOGS, 'aws-alb.log'), 'utf8').split('\n').slice(0, 2).join(joiner);
    const replies = await say(convo(), `here is our error log:${joiner}${alb}`);
    const status = last(replies).channelData?.gatewayDoctor;
    // No site was probed: no verdict, and the bot asks which site (203.0.113.9 is evidence, not a target).
    expect(status?.state).toBe('askUrl');
    expect(status?.verdict).toBeUndefined();
    expect(status?.cause).toBe('upstream-refused');
    expect(JSON.stringify(replies)).toContain(causeText('upstream-refused'));
  });

  it('explains an IIS log pasted with its #Fields header and never probes 10.0.0.5 from it', async () => {
    const iis = readFileSync(path.join(LOGS, 'iis-w3c.log'), 'utf8');
    for (const text of [`our IIS log:\n${iis}`, `our IIS log: ${iis.replace(/\n/g, ' ')}`]) {
      const replies = await say(convo(), text);
      const status = last(replies).channelData?.gatewayDoctor;
      expect(status?.state).toBe('askUrl');
      expect(status?.verdict).toBeUndefined();
      expect(status?.cause).toBeDefined();
      expect(JSON.stringify(replies)).not.toContain('10.0.0.5');
    }
  });

  it('keeps the cause of a log pasted with the site it is about', async () => {
    const nginx = readFileSync(path.join(LOGS, 'nginx-error.log'), 'utf8').split('\n')[0];
    const replies = await say(convo(), `${down.url} is down, here is the log:\n${nginx}`);
    const status = last(replies).channelData?.gatewayDoctor;
    expect(status).toMatchObject({ verdict: 'down', cause: 'upstream-refused' });
  });

  it('answers in the language the person types, over the browser and page hints', async () => {
    const c = convo();
    const replies = await say(c, `Hallo, die Seite ${down.url} zeigt seit heute einen 502 Fehler`, { locale: 'en-US' });
    expect((last(replies) as { locale?: string }).locale).toBe('de');
    expect(last(replies).channelData?.gatewayDoctor?.state).toBe('user.down');
  });

  it("greets in the page's language and keeps it over the browser's (web chat's client info)", async () => {
    const c = convo();
    const greeting = await sendActivity(
      app.url,
      createActivity({ type: 'conversationUpdate', conversation: c, locale: 'de-DE', membersAdded: [{ id: 'user-1' }] }),
    );
    expect((last(greeting) as { locale?: string }).locale).toBe('de');
    await sendActivity(
      app.url,
      createActivity({
        type: 'event',
        name: 'gatewayDoctor/clientInfo',
        conversation: c,
        locale: 'de-DE',
        value: { userAgent: 'Mozilla/5.0 (Windows NT 10.0) Chrome/126.0 Safari/537.36', language: 'en-US' },
      }),
    );
    const replies = await say(c, down.url, { locale: 'de-DE' });
    expect((last(replies) as { locale?: string }).locale).toBe('de');
  });

  it('still answers /healthz quickly after the pastes', async () => {
    const started = Date.now();
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
