/**
 * The probe's limits and its http fallback, wired into the whole app (createTestApp, real HTTP on loopback):
 * the admin API is the operator's tool (no public limits, a few probes per host at once), the chat says
 * `rate_limited` or names the page it answers from when the host's budget is spent, and a host typed
 * without a scheme that only speaks http is judged by what it said over http.
 */
import type { RunningApp } from '../../src/index';
import type { ProbeResult } from '../../src/contracts';
import { expectHealthy } from '../helpers/attack';
import { createActivity, createTestApp, sendActivity, type BotReply } from '../helpers/create-test-app';
import { createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';

jest.setTimeout(30_000);

const TOKEN = 'operator-token';
const NGINX_502 = '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>';

function last(replies: BotReply[]): BotReply {
  const reply = replies.at(-1);
  if (!reply) throw new Error('no reply');
  return reply;
}

describe('the probe in the whole app', () => {
  let app: RunningApp;
  let site: LoopbackServer;
  let active = 0;
  let peak = 0;
  let conversation = 0;
  const say = (text: string, from = 'visitor') => {
    conversation += 1;
    return sendActivity(app.url, createActivity({ conversation: { id: `probe-app-${conversation}` }, from: { id: from }, text }));
  };

  beforeAll(async () => {
    app = await createTestApp({ ADMIN_API_TOKEN: TOKEN });
    // A plain-HTTP nginx answering 502 on every page, slowly enough for probes to overlap.
    site = await createHttpServer((_req, res) => {
      active += 1;
      peak = Math.max(peak, active);
      setTimeout(() => {
        active -= 1;
        res.writeHead(502, { server: 'nginx', 'content-type': 'text/html' });
        res.end(NGINX_502);
      }, 20);
    });
  });
  afterAll(async () => {
    await app.close();
    await site.close();
  });

  it('answers 30 admin API requests about pages of one host each with its own result, at most 4 at once', async () => {
    peak = 0;
    const urls = Array.from({ length: 30 }, (_, i) => `${site.url}admin-page-${i}`);
    const answers = await Promise.all(
      urls.map((url) =>
        fetch(`${app.url}/api/admin/probe?url=${encodeURIComponent(url)}`, { headers: { authorization: `Bearer ${TOKEN}` } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(urls.map(() => 200));
    const results = (await Promise.all(answers.map((a) => a.json()))) as ProbeResult[];
    expect(results.map((r) => r.url)).toEqual(urls);
    expect(results.map((r) => r.verdict)).toEqual(urls.map(() => 'down'));
    expect(results.filter((r) => r.evidence.some((e) => e.kind === 'note' && e.code === 'host-result'))).toEqual([]);
    expect(peak).toBeLessThanOrEqual(4);
    // None of it spent the public bot's budget for the host.
    expect(app.core.prober.stats().outbound).toBe(0);
    await expectHealthy(app.url);
  });

  it('probes a host typed without a scheme over http when https gets no answer, instead of calling its certificate broken', async () => {
    const replies = await say(`127.0.0.1:${site.port}/shop shows 502 Bad Gateway`);
    expect(last(replies).channelData?.gatewayDoctor).toMatchObject({ state: 'user.down', verdict: 'down', producer: 'nginx' });
    expect(JSON.stringify(replies)).not.toContain('tls_error');
    await expectHealthy(app.url);
  });

  it("names the page it answers from, and when it was checked, once the host's budget is spent", async () => {
    const shop = await createHttpServer((_req, res) => {
      res.writeHead(502, { server: 'nginx', 'content-type': 'text/html' });
      res.end(NGINX_502);
    });
    try {
      // The public bot's budget per host is 6 probes in 10 s; six people ask about six pages of the site.
      const pages = Array.from({ length: 6 }, (_, i) => `http://localhost:${shop.port}/public-${i}`);
      for (const [i, page] of pages.entries()) {
        const before = app.core.prober.stats().outbound;
        const replies = await say(`${page} gives me a 502`, `person-${i}`);
        expect(last(replies).channelData?.gatewayDoctor?.verdict).toBe('down');
        expect(app.core.prober.stats().outbound).toBe(before + 1);
      }
      const outbound = app.core.prober.stats().outbound;
      // A seventh page: waiting would blow the probe's budget, so the answer is the sixth page's, said so.
      const replies = await say(`http://localhost:${shop.port}/checkout?session=secret gives me a 502`, 'person-7');
      expect(app.core.prober.stats().outbound).toBe(outbound);
      expect(last(replies).channelData?.gatewayDoctor).toMatchObject({ state: 'user.down', verdict: 'down' });
      const said = JSON.stringify(replies);
      expect(said).toContain(pages[5]);
      expect(said).not.toContain('secret');
      await expectHealthy(app.url);
    } finally {
      await shop.close();
    }
  });

  it("says rate_limited, never blocked, once a person's own budget is spent", async () => {
    // Twenty probes a minute per person; each message names another loopback host, so no host budget or
    // lent answer is involved. Nothing listens on 127.0.0.N for N > 1: those sites refuse quickly.
    let replies: BotReply[] = [];
    for (let i = 0; i < 21; i += 1) replies = await say(`http://127.0.1.${i + 2}:${site.port}/ shows 502`, 'busy-person');
    expect(last(replies).channelData?.gatewayDoctor).toMatchObject({ state: 'user.limited', verdict: 'rate_limited', advice: 'wait' });
    expect(JSON.stringify(replies)).not.toContain('blocked');
    await expectHealthy(app.url);
  });
});
