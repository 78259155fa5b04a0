/**
 * Providers' status feeds through the whole app: vendor error pages served on loopback, the vendors' feeds
 * served on loopback (STATUS_FEEDS points at them; PROBE_ALLOW_CIDRS lets the safe fetch reach them). A
 * Statuspage fixture is quoted in the reply and fetched once a minute at most; a hung, failing or garbage
 * feed is skipped and the answer still comes within the turn (never `stillChecking`).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { RunningApp } from '../../src/index';
import { createActivity, createTestApp, sendActivity, type BotReply } from '../helpers/create-test-app';
import { createHttpServer, createHungServer, type LoopbackServer } from '../helpers/loopback-servers';

interface PageFixture {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

const page = (name: string) => JSON.parse(readFileSync(path.join(__dirname, '../fixtures/pages', `${name}.json`), 'utf8')) as PageFixture;
const summary = readFileSync(path.join(__dirname, '../fixtures/feeds/statuspage-summary.json'), 'utf8');

async function serveOn(address: string, fixture: PageFixture): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    const headers = Object.fromEntries(
      Object.entries(fixture.headers ?? {}).filter(([name]) => !['content-length', 'connection', 'transfer-encoding'].includes(name)),
    );
    res.writeHead(fixture.status ?? 502, headers);
    res.end(fixture.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, address, () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://${address}:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const textOf = (replies: BotReply[]) => replies.map((r) => JSON.stringify(r.attachments ?? r.text)).join('\n');
const status = (replies: BotReply[]) => replies.at(-1)?.channelData?.gatewayDoctor;

describe("providers' status feeds in the conversation", () => {
  let app: RunningApp;
  const sites: Record<string, { url: string; close(): Promise<void> }> = {};
  const feeds: LoopbackServer[] = [];
  let summaryHits = 0;

  beforeAll(async () => {
    const good = await createHttpServer((_req, res) => {
      summaryHits += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(summary);
    });
    const hung = await createHungServer();
    const failing = await createHttpServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    });
    const garbage = await createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"incidents": [{"name": 42}], <<<not json');
    });
    feeds.push(good, hung, failing, garbage);
    sites.cloudflare = await serveOn('127.0.0.21', page('cloudflare-branded'));
    sites.fastly = await serveOn('127.0.0.22', page('fastly'));
    sites.netlify = await serveOn('127.0.0.23', page('netlify'));
    sites.heroku = await serveOn('127.0.0.24', page('heroku'));
    app = await createTestApp({
      STATUS_FEEDS: [
        `cloudflare=${good.url}api/v2/summary.json`,
        `fastly=${hung.url}api/v2/summary.json`,
        `netlify=${failing.url}api/v2/summary.json`,
        `heroku=${garbage.url}feed`,
      ].join(','),
      // The board lists the Cloudflare-fronted site, with the provider's own word next to it.
      STATUS_HOSTS: '127.0.0.21',
    });
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([...Object.values(sites), ...feeds].map((s) => s.close()));
  });

  const ask = (name: string, conversation: string) =>
    sendActivity(
      app.url,
      createActivity({ conversation: { id: conversation }, from: { id: `p-${conversation}` }, text: `${sites[name]?.url} shows 502` }),
    );

  it("quotes the open incident and maintenance of the producer's Statuspage, and reads the feed once a minute", async () => {
    const replies = await ask('cloudflare', 'feed-1');
    expect(status(replies)).toMatchObject({ state: 'user.down', producer: 'cloudflare' });
    const text = textOf(replies);
    expect(text).toContain('Elevated 5xx errors in Frankfurt');
    expect(text).toContain('LAX datacenter maintenance');
    expect(text).not.toContain('Dashboard login delays');
    expect(summaryHits).toBe(1);

    const again = await ask('cloudflare', 'feed-2');
    expect(textOf(again)).toContain('Elevated 5xx errors in Frankfurt');
    expect(summaryHits).toBe(1);

    const board = (await (await fetch(`${app.url}/api/status`)).json()) as {
      checks: { host: string; providerIncident?: { provider: string; title: string; since: string } }[];
    };
    const row = board.checks.find((check) => check.host.startsWith('127.0.0.21'));
    expect(row?.providerIncident).toMatchObject({ provider: 'Cloudflare', title: expect.stringContaining('Elevated 5xx errors') });
  });

  it.each([
    ['fastly', 'a hung feed'],
    ['netlify', 'a feed answering 500'],
    ['heroku', 'a feed answering garbage'],
  ])('skips %s (%s) and still answers within the turn', async (name) => {
    const replies = await ask(name, `feed-${name}`);
    const answered = status(replies);
    expect(answered?.producer).toBe(name);
    expect(answered?.state).toBe('user.down');
    expect(textOf(replies)).not.toContain('status page');
  });
});
