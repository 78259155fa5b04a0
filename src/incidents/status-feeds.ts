/**
 * Providers' public status feeds: when the producer of a 502 (or the site itself) belongs to a provider
 * with a status page, the bot quotes what that provider reports ("Cloudflare reports: ..."). Feeds are
 * fetched through the probe's safe fetch (address rules, size cap, deadline), cached for a minute, and a
 * feed that fails is skipped silently (debug log): it never costs the person an answer.
 */
import type { ProducerId, ProviderNotice } from '../contracts';
import type { Logger } from '../observability/logger';
import type { AddressPolicy } from '../probe/address-policy';
import { PROBE_USER_AGENT } from '../probe/prober';
import type { Resolver } from '../probe/resolver';
import { safeFetch } from '../probe/safe-fetch';
import { checkTarget } from '../probe/url-policy';
import { parseFeed } from './feed-parser';
import { normaliseHost } from './host-match';

/** One provider's feed, and what points to it: the producers it runs, the hosts of its products. */
export interface StatusFeed {
  id: string;
  /** Display name, quoted in the reply ("Cloudflare reports: ..."). */
  name: string;
  url: string;
  producers: readonly ProducerId[];
  /** Registrable domains whose hosts (and subdomains) are the provider's own product (github.com, atlassian.net). */
  hosts: readonly string[];
}

/**
 * The feeds known out of the box: Atlassian Statuspage's summary where the provider uses it, RSS or Atom
 * otherwise. `STATUS_FEEDS` replaces a URL (`cloudflare=https://...`) or points a producer at a feed of
 * its own (`caddy=https://status.example.net/feed.atom`).
 */
export const DEFAULT_STATUS_FEEDS: readonly StatusFeed[] = [
  {
    id: 'cloudflare',
    name: 'Cloudflare',
    url: 'https://www.cloudflarestatus.com/api/v2/summary.json',
    producers: ['cloudflare'],
    hosts: [],
  },
  { id: 'aws', name: 'AWS', url: 'https://status.aws.amazon.com/rss/all.rss', producers: ['aws-alb', 'cloudfront'], hosts: [] },
  {
    id: 'azure',
    name: 'Azure',
    url: 'https://azure.status.microsoft/en-us/status/feed/',
    producers: ['azure-app-service', 'azure-app-gateway', 'azure-front-door'],
    hosts: [],
  },
  {
    id: 'google-cloud',
    name: 'Google Cloud',
    url: 'https://status.cloud.google.com/en/feed.atom',
    producers: ['gcp-lb', 'cloud-run', 'google'],
    hosts: [],
  },
  { id: 'vercel', name: 'Vercel', url: 'https://www.vercel-status.com/api/v2/summary.json', producers: ['vercel'], hosts: [] },
  { id: 'netlify', name: 'Netlify', url: 'https://www.netlifystatus.com/api/v2/summary.json', producers: ['netlify'], hosts: [] },
  { id: 'heroku', name: 'Heroku', url: 'https://status.heroku.com/feed', producers: ['heroku'], hosts: [] },
  { id: 'fastly', name: 'Fastly', url: 'https://status.fastly.com/api/v2/summary.json', producers: ['fastly'], hosts: [] },
  { id: 'akamai', name: 'Akamai', url: 'https://www.akamaistatus.com/api/v2/summary.json', producers: ['akamai'], hosts: [] },
  { id: 'fly', name: 'Fly.io', url: 'https://status.flyio.net/api/v2/summary.json', producers: ['fly'], hosts: [] },
  { id: 'render', name: 'Render', url: 'https://status.render.com/api/v2/summary.json', producers: ['render'], hosts: [] },
  {
    id: 'atlassian',
    name: 'Atlassian',
    url: 'https://status.atlassian.com/api/v2/summary.json',
    producers: [],
    hosts: ['atlassian.net', 'atlassian.com', 'bitbucket.org', 'trello.com'],
  },
  { id: 'github', name: 'GitHub', url: 'https://www.githubstatus.com/api/v2/summary.json', producers: [], hosts: ['github.com'] },
  { id: 'slack', name: 'Slack', url: 'https://slack-status.com/feed/rss', producers: [], hosts: ['slack.com'] },
  { id: 'zoom', name: 'Zoom', url: 'https://status.zoom.us/api/v2/summary.json', producers: [], hosts: ['zoom.us'] },
  { id: 'dropbox', name: 'Dropbox', url: 'https://status.dropbox.com/api/v2/summary.json', producers: [], hosts: ['dropbox.com'] },
];

/**
 * The defaults with `STATUS_FEEDS` applied: a feed id replaces that feed's URL; a producer id points that
 * producer at the given feed (named after the feed it replaces, or after the producer). Other keys are
 * returned as `unknown` for the caller to report.
 */
export function resolveStatusFeeds(
  overrides: Readonly<Record<string, string>>,
  producerIds: readonly string[],
): { feeds: StatusFeed[]; unknown: string[] } {
  const feeds = DEFAULT_STATUS_FEEDS.map((feed) => ({ ...feed, url: overrides[feed.id] ?? feed.url }));
  const unknown: string[] = [];
  for (const [key, url] of Object.entries(overrides)) {
    if (feeds.some((feed) => feed.id === key)) continue;
    if (!producerIds.includes(key)) {
      unknown.push(key);
      continue;
    }
    const producer = key as ProducerId;
    const replaced = feeds.find((feed) => feed.producers.includes(producer));
    // The producer leaves the feed it shared, so its other producers keep theirs.
    if (replaced) replaced.producers = replaced.producers.filter((p) => p !== producer);
    feeds.push({ id: producer, name: replaced?.name ?? producer, url, producers: [producer], hosts: [] });
  }
  return { feeds, unknown };
}

/** Quotes what providers report about a probed site. */
export interface StatusFeeds {
  /** Open notices of the feeds that apply: the producer's, and the one whose product the site is. Never rejects. */
  noticesFor(target: { url?: string; producer?: ProducerId }): Promise<ProviderNotice[]>;
}

export interface StatusFeedsOptions {
  feeds: readonly StatusFeed[];
  policy: AddressPolicy;
  resolver: Resolver;
  logger: Logger;
  /** Deadline of one feed fetch. Default 3000 ms. */
  timeoutMs?: number;
  /** How long a feed's answer is reused. Default one minute. */
  cacheMs?: number;
  /** How long a failed feed is left alone before it is tried again. Default 15 s. */
  failureCacheMs?: number;
  /** Largest feed body read (Statuspage summaries of big providers run to a few hundred KB). Default 1 MB. */
  maxBodyBytes?: number;
  now?: () => number;
}

/** The feeds that apply to a target. */
export function feedsFor(feeds: readonly StatusFeed[], { url, producer }: { url?: string; producer?: ProducerId }): StatusFeed[] {
  const host = url ? normaliseHost(url) : undefined;
  return feeds.filter(
    (feed) =>
      (producer !== undefined && feed.producers.includes(producer)) ||
      (host !== undefined && feed.hosts.some((domain) => host === domain || host.endsWith(`.${domain}`))),
  );
}

/** Builds the feed reader; one fetch per feed at a time, answers shared through the cache. */
export function createStatusFeeds({
  feeds,
  policy,
  resolver,
  logger,
  timeoutMs = 3000,
  cacheMs = 60_000,
  failureCacheMs = 15_000,
  maxBodyBytes = 1024 * 1024,
  now = Date.now,
}: StatusFeedsOptions): StatusFeeds {
  const cache = new Map<string, { until: number; notices: Promise<ProviderNotice[]> }>();

  async function read(feed: StatusFeed): Promise<{ notices: ProviderNotice[]; ok: boolean }> {
    const target = checkTarget(feed.url);
    if (!target.ok) return { notices: [], ok: false };
    const outcome = await safeFetch(target.url, { policy, resolver, timeoutMs, userAgent: PROBE_USER_AGENT, maxBodyBytes });
    if (outcome.kind !== 'response' || outcome.status !== 200 || outcome.body === undefined || outcome.bodyTruncated) {
      logger.debug({ feed: feed.id, kind: outcome.kind, status: outcome.status, truncated: outcome.bodyTruncated }, 'status feed skipped');
      return { notices: [], ok: false };
    }
    const items = parseFeed(outcome.body, { now: now() });
    return { notices: items.map((item) => ({ provider: feed.name, ...item })), ok: true };
  }

  function noticesOf(feed: StatusFeed): Promise<ProviderNotice[]> {
    const cached = cache.get(feed.id);
    if (cached && cached.until > now()) return cached.notices;
    const entry = { until: now() + cacheMs, notices: Promise.resolve<ProviderNotice[]>([]) };
    entry.notices = read(feed).then(
      ({ notices, ok }) => {
        if (!ok) entry.until = now() + failureCacheMs;
        return notices;
      },
      (err: unknown) => {
        logger.debug({ err, feed: feed.id }, 'status feed failed');
        entry.until = now() + failureCacheMs;
        return [];
      },
    );
    cache.set(feed.id, entry);
    return entry.notices;
  }

  return {
    async noticesFor(target) {
      const lists = await Promise.all(feedsFor(feeds, target).map(noticesOf));
      return lists.flat();
    },
  };
}
