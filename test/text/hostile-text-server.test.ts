/**
 * Issue 7 end to end: the whole app, a real site on loopback serving the 502 page that froze the event loop,
 * and hostile text through the admin explain API and the chat. Every answer arrives, and /healthz answers
 * within 500 ms while the hostile request is in flight and after it.
 */
import type { RunningApp } from '../../src/index';
import { createActivity, createTestApp, sendActivity } from '../helpers/create-test-app';
import { HOSTILE_GENERATORS } from '../helpers/hostile-text';
import { createHttpServer, type LoopbackServer } from '../helpers/loopback-servers';

const TOKEN = 'hostile-text-token';
const HEALTH_BUDGET_MS = 500;

/** The page of issue 7: a few dozen bytes of blank lines between "502 Bad Gateway" and a word. */
const ISSUE_7_PAGE = `502 Bad Gateway${'\n \n'.repeat(30)}x`;

function hostile(name: string, size: number): string {
  const generator = HOSTILE_GENERATORS.find((g) => g.name === name);
  if (!generator) throw new Error(`no generator ${name}`);
  return generator.build(size);
}

describe('hostile text against the running app', () => {
  let app: RunningApp;
  let site: LoopbackServer;
  let page = ISSUE_7_PAGE;

  beforeAll(async () => {
    site = await createHttpServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html', server: 'x'.repeat(4000), via: '1.1 a:'.repeat(600) });
      res.end(page);
    });
    app = await createTestApp({ ADMIN_API_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await app.close();
    await site.close();
  });

  /** Milliseconds /healthz takes to answer 200. */
  async function healthMs(): Promise<number> {
    const started = performance.now();
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    return performance.now() - started;
  }

  /** Runs `request`, checks /healthz while it is in flight and after it, and returns what it returned. */
  async function withHealthChecks<T>(request: () => Promise<T>): Promise<T> {
    const pending = request();
    const during = await healthMs();
    const result = await pending;
    expect({ during: during < HEALTH_BUDGET_MS, after: (await healthMs()) < HEALTH_BUDGET_MS }).toEqual({ during: true, after: true });
    return result;
  }

  async function probe(): Promise<{ status: number; body: { verdict?: string; httpStatus?: number } }> {
    const res = await fetch(`${app.url}/api/admin/probe?url=${encodeURIComponent(site.url)}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return { status: res.status, body: (await res.json()) as { verdict?: string; httpStatus?: number } };
  }

  it.each([
    ['the issue 7 page', ISSUE_7_PAGE],
    ['64 KiB of unclosed comments', hostile('unclosed comments', 64 * 1024)],
    ['64 KiB of tags <a<a<a', hostile('tags <a<a<a', 64 * 1024)],
    ['64 KiB of blank lines after "502 Bad Gateway"', hostile('issue 7: 502 page of blank lines', 64 * 1024)],
  ])('probes a site serving %s and still answers', async (_name, body) => {
    page = body;
    const result = await withHealthChecks(probe);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ verdict: 'down', httpStatus: 502 });
  });

  // Sent as text/plain, as large as the server's 256 KiB body limit allows once encoded as UTF-8.
  it.each([
    ['header with trailing spaces', 240 * 1024],
    ['Apache prefixes', 240 * 1024],
    ['random printable and control characters', 100 * 1024],
  ])('explains %s through the admin API and still answers', async (name, size) => {
    const res = await withHealthChecks(() =>
      fetch(`${app.url}/api/admin/explain`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain; charset=utf-8' },
        body: hostile(name, size),
      }),
    );
    expect(res.status).toBe(200);
    expect(Array.isArray(((await res.json()) as { findings?: unknown }).findings)).toBe(true);
  });

  // The Bot Framework route accepts message text up to 100,000 characters.
  it.each([
    ['issue 7: 502 page of blank lines', 90_000],
    ['Slack links', 90_000],
    ['nginx fields', 90_000],
    ['Japanese and digits', 90_000],
  ])('answers a chat message of %s and still answers', async (name, size) => {
    const text = hostile(name, size);
    const replies = await withHealthChecks(() => sendActivity(app.url, createActivity({ conversation: { id: `hostile-${name}` }, text })));
    expect(replies.length).toBeGreaterThan(0);
  });
});
