/** The status feed reader on real-shaped fixtures (Statuspage, RSS, Atom) and on hostile text. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { elementBodies, parseFeed, textOf } from '../../src/incidents/feed-parser';
import { feedsFor, resolveStatusFeeds, DEFAULT_STATUS_FEEDS } from '../../src/incidents/status-feeds';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../fixtures/feeds', name), 'utf8');
const NOW = Date.parse('2026-11-30T14:30:00.000Z');

describe('status feed reader', () => {
  it('reads a Statuspage summary: unresolved incidents and maintenance in progress, quoted as given', () => {
    expect(parseFeed(fixture('statuspage-summary.json'), { now: NOW })).toEqual([
      { title: 'Elevated 5xx errors in Frankfurt <script>alert(1)</script>', since: '2026-11-30T14:02:00.000Z' },
      { title: 'LAX datacenter maintenance', since: '2026-11-30T13:00:00.000Z' },
    ]);
  });

  it('reads RSS: recent items not marked resolved, CDATA and entities decoded', () => {
    expect(parseFeed(fixture('rss.xml'), { now: NOW })).toEqual([
      { title: "Incident: Some users can't load messages & threads", since: '2026-11-30T13:40:00.000Z' },
    ]);
  });

  it('reads Atom the same way', () => {
    expect(parseFeed(fixture('atom.xml'), { now: NOW })).toEqual([
      { title: 'Cloud Run: increased 502 errors in europe-west1', since: '2026-11-30T14:05:00.000Z' },
    ]);
  });

  it('answers garbage with nothing, never an exception', () => {
    for (const body of ['', 'not a feed', '{"incidents": "no"}', '{', '<rss><channel><item><title>x', '<<<>>>', '\u0000'.repeat(100)]) {
      expect(parseFeed(body, { now: NOW })).toEqual([]);
    }
  });

  it('reads hostile XML in one forward pass (no backtracking, no runaway)', () => {
    const big = 256 * 1024;
    const inputs = [
      '<item'.repeat(big / 5),
      '<itemX'.repeat(big / 6),
      `<item>${'<title>'.repeat(big / 7)}`,
      '&'.repeat(big),
      '&#'.repeat(big / 2),
      '<![CDATA['.repeat(big / 9),
    ];
    for (const input of inputs) {
      expect(Array.isArray(parseFeed(input, { now: NOW }))).toBe(true);
      expect(typeof (textOf(input) ?? '')).toBe('string');
    }
    expect(elementBodies('<items><item>a</item><item/><item x="1">b</item>', 'item')).toEqual(['a', 'b']);
  });
});

describe('status feed table', () => {
  it("finds the producer's feed and the feed of a SaaS host", () => {
    expect(feedsFor(DEFAULT_STATUS_FEEDS, { producer: 'cloudfront' }).map((f) => f.id)).toEqual(['aws']);
    expect(feedsFor(DEFAULT_STATUS_FEEDS, { url: 'https://acme.atlassian.net/jira' }).map((f) => f.id)).toEqual(['atlassian']);
    expect(feedsFor(DEFAULT_STATUS_FEEDS, { url: 'https://www.github.com/' }).map((f) => f.id)).toEqual(['github']);
    expect(feedsFor(DEFAULT_STATUS_FEEDS, { url: 'https://notgithub.com/' })).toEqual([]);
    expect(feedsFor(DEFAULT_STATUS_FEEDS, { producer: 'nginx', url: 'https://shop.example.com/' })).toEqual([]);
  });

  it('applies STATUS_FEEDS: a feed id replaces a URL, a producer id gets a feed of its own, others are reported', () => {
    const { feeds, unknown } = resolveStatusFeeds(
      {
        cloudflare: 'http://127.0.0.1:1/summary.json',
        cloudfront: 'http://127.0.0.1:2/rss',
        caddy: 'http://127.0.0.1:3/atom',
        nonsense: 'http://x/',
      },
      ['cloudflare', 'cloudfront', 'aws-alb', 'caddy'],
    );
    expect(unknown).toEqual(['nonsense']);
    expect(feedsFor(feeds, { producer: 'cloudflare' }).map((f) => f.url)).toEqual(['http://127.0.0.1:1/summary.json']);
    expect(feedsFor(feeds, { producer: 'cloudfront' }).map((f) => [f.name, f.url])).toEqual([['AWS', 'http://127.0.0.1:2/rss']]);
    expect(feedsFor(feeds, { producer: 'aws-alb' }).map((f) => f.url)).toEqual(['https://status.aws.amazon.com/rss/all.rss']);
    expect(feedsFor(feeds, { producer: 'caddy' }).map((f) => f.url)).toEqual(['http://127.0.0.1:3/atom']);
    // The built-in table is not changed by one deployment's overrides.
    expect(DEFAULT_STATUS_FEEDS.find((f) => f.id === 'aws')?.producers).toEqual(['aws-alb', 'cloudfront']);
  });
});
