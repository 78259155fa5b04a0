/**
 * "Down behind each producer": every vendor error page from the fingerprint fixtures is served by a real
 * loopback server, and the bot's answer names that producer in channelData.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunningApp } from '../../../src/index';
import http from 'node:http';
import { PRODUCER_NAMES } from '../../../dialogs/producers';
import { createActivity, createTestApp, sendActivity } from '../../helpers/create-test-app';

interface PageFixture {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** The producer the page comes from. */
  label?: string;
  /** Pages named by their platform's host name need that name resolved: the probe's own tests cover them. */
  host?: string;
}

const DIR = path.join(__dirname, '../../fixtures/pages');
const FIXTURES = readdirSync(DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, page: JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as PageFixture }));
/** Fixture file -> the producer the bot must name (its label). */
const EXPECTED: Record<string, string> = Object.fromEntries(
  FIXTURES.filter(({ page }) => typeof page.label === 'string' && page.host === undefined).map(({ file, page }) => [
    file,
    page.label as string,
  ]),
);

/**
 * Each vendor page gets its own loopback address (127.0.0.2, 127.0.0.3, ...): the probe limits outbound
 * probes per target host, and one host answering dozens of different error pages would trip that limit.
 */
async function serveOn(address: string, page: PageFixture): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    const headers = Object.fromEntries(
      Object.entries(page.headers ?? {}).filter(([name]) => !['content-length', 'connection', 'transfer-encoding'].includes(name)),
    );
    res.writeHead(page.status ?? 502, headers);
    res.end(page.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, address, () => resolve()));
  const { port } = server.address() as { port: number };
  return { url: `http://${address}:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('down behind each producer', () => {
  let app: RunningApp;
  const sites = new Map<string, { url: string; close(): Promise<void> }>();

  beforeAll(async () => {
    let octet = 2;
    for (const file of Object.keys(EXPECTED)) {
      const page = JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as PageFixture;
      sites.set(file, await serveOn(`127.0.0.${octet}`, page));
      octet += 1;
    }
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([...sites.values()].map((site) => site.close()));
  });

  it('covers every producer id', () => {
    const labelled = new Set(FIXTURES.map(({ page }) => page.label).filter((label) => typeof label === 'string'));
    expect([...labelled].sort()).toEqual(Object.keys(PRODUCER_NAMES).sort());
  });

  it.each(Object.entries(EXPECTED))('%s -> %s', async (file, producer) => {
    const site = sites.get(file);
    const replies = await sendActivity(
      app.url,
      // One person per page: the per-person probe limit (20 a minute) is not what this test is about.
      createActivity({ conversation: { id: `producer-${file}` }, from: { id: `person-${file}` }, text: `${site?.url} shows a 502` }),
    );
    const status = replies.at(-1)?.channelData?.gatewayDoctor;
    expect(status?.producer).toBe(producer);
    expect(status?.state).toMatch(/^user\./);
  });
});
