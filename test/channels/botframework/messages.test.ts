/**
 * Transcripts through POST /api/messages (deliveryMode expectReplies) against real loopback sites: the
 * whole pipeline (CloudAdapter -> bot -> understanding -> turn runner -> machine -> probe -> render).
 */
import type { RunningApp } from '../../../src/index';
import { closedPort, createHttpServer, createHungServer, type LoopbackServer } from '../../helpers/loopback-servers';
import { createActivity, createTestApp, intentsOf, sendActivity, type BotReply } from '../../helpers/create-test-app';

const NGINX_502 =
  '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.25.3</center></body></html>';

function last(replies: BotReply[]): BotReply {
  const reply = replies.at(-1);
  if (!reply) throw new Error('no reply');
  return reply;
}

describe('Bot Framework transcripts', () => {
  let app: RunningApp;
  let up: LoopbackServer;
  let nginx: LoopbackServer;
  let cloudflare: LoopbackServer;
  let hung: LoopbackServer;
  let refused: LoopbackServer;
  let conversation = 0;
  const convo = () => {
    conversation += 1;
    return { id: `conv-${conversation}` };
  };

  beforeAll(async () => {
    app = await createTestApp();
    up = await createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<h1>Welcome</h1>');
    });
    nginx = await createHttpServer((_req, res) => {
      res.writeHead(502, { server: 'nginx/1.25.3', 'content-type': 'text/html' });
      res.end(NGINX_502);
    });
    cloudflare = await createHttpServer((_req, res) => {
      res.writeHead(502, { server: 'cloudflare', 'cf-ray': '8e4f2a9b7c6d5e4f-FRA', 'content-type': 'text/html' });
      res.end(
        '<title>shop.example | 502: Bad gateway</title><span>Cloudflare Ray ID: <strong>8e4f2a9b7c6d5e4f</strong></span> Browser Working Cloudflare Working Host Error',
      );
    });
    hung = await createHungServer();
    refused = await closedPort();
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([up.close(), nginx.close(), cloudflare.close(), hung.close(), refused.close()]);
  });

  it('greets a new conversation and asks what failed', async () => {
    const replies = await sendActivity(
      app.url,
      createActivity({ type: 'conversationUpdate', conversation: convo(), membersAdded: [{ id: 'user-1' }, { id: 'bot' }] }),
    );
    expect(replies).toHaveLength(1);
    expect(last(replies).channelData?.gatewayDoctor?.state).toBe('greeting');
  });

  it('probes at once when the first message has a URL, and calls a down site down with its producer', async () => {
    const replies = await sendActivity(app.url, createActivity({ conversation: convo(), text: `I get 502 Bad Gateway on ${nginx.url}` }));
    const status = last(replies).channelData?.gatewayDoctor;
    expect(status).toMatchObject({ state: 'user.down', verdict: 'down', advice: 'wait', producer: 'nginx' });
    expect(intentsOf(last(replies))).toEqual(expect.arrayContaining(['watch', 'recheck', 'admin']));
  });

  it('tells a Cloudflare origin failure apart and quotes the Ray ID', async () => {
    const replies = await sendActivity(app.url, createActivity({ conversation: convo(), text: cloudflare.url }));
    expect(last(replies).channelData?.gatewayDoctor).toMatchObject({ state: 'user.down', producer: 'cloudflare' });
    expect(JSON.stringify(replies)).toContain('8e4f2a9b7c6d5e4f');
  });

  it('walks a visitor through the steps when the site is up for everyone', async () => {
    const c = convo();
    let replies = await sendActivity(app.url, createActivity({ conversation: c, text: `${up.url} says error 502 in Firefox on Windows` }));
    expect(last(replies).channelData?.gatewayDoctor).toMatchObject({ state: 'user.step.reload', verdict: 'up', advice: 'troubleshoot' });
    expect(intentsOf(last(replies))).toEqual(expect.arrayContaining(['yes', 'no', 'skip']));
    replies = await sendActivity(app.url, createActivity({ conversation: c, text: 'no', value: undefined }));
    expect(last(replies).channelData?.gatewayDoctor?.state).toBe('user.step.hardRefresh');
    // The hard refresh step is tailored: Firefox on Windows uses Ctrl+F5 / Ctrl+Shift+R.
    expect(JSON.stringify(replies)).toMatch(/Ctrl\+(F5|Shift\+R)/);
    replies = await sendActivity(app.url, createActivity({ conversation: c, value: { gatewayDoctor: { intent: 'yes' } } }));
    expect(last(replies).channelData?.gatewayDoctor?.state).toBe('user.fixed');
  });

  it('judges a hung site as a timeout and a refused one as down', async () => {
    const hungReplies = await sendActivity(app.url, createActivity({ conversation: convo(), text: hung.url }));
    expect(last(hungReplies).channelData?.gatewayDoctor).toMatchObject({ verdict: 'timeout', advice: 'wait' });
    const refusedReplies = await sendActivity(app.url, createActivity({ conversation: convo(), text: refused.url }));
    expect(last(refusedReplies).channelData?.gatewayDoctor).toMatchObject({ state: 'user.unreachable', verdict: 'down' });
  });

  it('gives an administrator the layer, and explains a pasted log line first', async () => {
    const c = convo();
    const log =
      '2026/11/21 09:12:01 [error] 311#311: *88 upstream prematurely closed connection while reading response header from upstream, client: 198.51.100.7, server: shop.example';
    let replies = await sendActivity(app.url, createActivity({ conversation: c, text: log }));
    expect(last(replies).channelData?.gatewayDoctor?.cause).toBe('upstream-reset');
    replies = await sendActivity(app.url, createActivity({ conversation: c, text: nginx.url }));
    expect(last(replies).channelData?.gatewayDoctor).toMatchObject({ verdict: 'down', producer: 'nginx' });
    expect(last(replies).channelData?.gatewayDoctor?.state).toMatch(/^admin\./);
  });

  it('answers a redelivered activity once', async () => {
    const activity = createActivity({ conversation: convo(), id: 'same-id', text: 'help' });
    expect((await sendActivity(app.url, activity)).length).toBeGreaterThan(0);
    expect(await sendActivity(app.url, activity)).toEqual([]);
  });

  it('serialises turns of one conversation', async () => {
    const c = convo();
    await sendActivity(app.url, createActivity({ conversation: c, text: up.url }));
    const [a, b] = await Promise.all([
      sendActivity(app.url, createActivity({ conversation: c, text: 'no' })),
      sendActivity(app.url, createActivity({ conversation: c, text: 'no' })),
    ]);
    const states = [last(a).channelData?.gatewayDoctor?.state, last(b).channelData?.gatewayDoctor?.state].sort();
    expect(states).toEqual(['user.step.hardRefresh', 'user.step.restartBrowser'].sort());
  });

  it('switches language mid-conversation and answers in it', async () => {
    const c = convo();
    await sendActivity(app.url, createActivity({ conversation: c, text: up.url }));
    const replies = await sendActivity(app.url, createActivity({ conversation: c, text: 'en español, por favor' }));
    expect(replies.length).toBeGreaterThan(0);
    expect(last(replies).channelData?.gatewayDoctor?.state).toBe('user.step.reload');
  });

  it('handles odd unicode and long text without crashing', async () => {
    const c = convo();
    const odd = `\u202Eexample.com\u202C \u0000 😀😀 مرحبا שלום ${'x'.repeat(50_000)}`;
    const replies = await sendActivity(app.url, createActivity({ conversation: c, text: odd }));
    expect(replies.length).toBeGreaterThan(0);
    for (const reply of replies) expect(JSON.stringify(reply)).not.toContain('\u0000');
  });

  it('never lets user text become markup in a card', async () => {
    const c = convo();
    const replies = await sendActivity(
      app.url,
      createActivity({ conversation: c, text: '[click me](https://evil.example) **bold** <script>alert(1)</script>' }),
    );
    const cards = JSON.stringify(replies.flatMap((r) => r.attachments ?? []));
    expect(cards).not.toContain('](https://evil.example)');
  });

  it('refuses bodies that are not one activity', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${app.url}/api/messages`, { method: 'POST', headers: { 'content-type': type }, body });
    expect((await post('{"type":')).status).toBe(400);
    expect((await post('[1,2,3]')).status).toBe(400);
    expect((await post('"text"')).status).toBe(400);
    expect((await post('{"text":"no type"}')).status).toBe(400);
    expect((await post(JSON.stringify({ type: 'message', text: 'x'.repeat(300 * 1024) }))).status).toBe(413);
    const bad = await post('{"type":');
    expect(await bad.text()).not.toMatch(/\n\s+at /);
  });
});
