/**
 * "Tell me when it's back": subscriptions kept in the conversation storage, re-probed every
 * WATCH_INTERVAL_MS (one probe per site, however many people wait for it), and a proactive message to
 * each person once the site answers again.
 *
 * Exactly once: a subscription is removed from storage (an eTag-checked write) before its message is
 * sent, so two instances sharing storage cannot both notify the same person.
 */
import { randomUUID } from 'node:crypto';
import type { ConversationReference, Storage } from 'botbuilder';
import { z } from 'zod';
import { LOCALES, type LocaleId, type ProbeResult } from '../contracts';
import type { Logger } from '../observability/logger';
import type { Prober } from '../probe/prober';
import { isStorageError } from '../storage/storage-errors';

/** One person waiting for one site. */
export interface WatchSubscription {
  id: string;
  url: string;
  reference: Partial<ConversationReference>;
  locale: LocaleId;
  createdAt: number;
  expiresAt: number;
}

/** Told when a site is back (or when waiting gave up); the bot sends the message. */
export interface WatchNotifier {
  notify(subscription: WatchSubscription, outcome: WatchOutcome): Promise<void>;
}

/** Why a person is told: the probe found the site back, the help desk resolved its incident (at ISO `at`), or waiting gave up. */
export type WatchOutcome = { kind: 'back'; result: ProbeResult } | { kind: 'resolved'; at: string } | { kind: 'gave-up' };

export interface WatchServiceOptions {
  storage: Storage;
  prober: Prober;
  notifier: WatchNotifier;
  logger: Logger;
  intervalMs: number;
  /** How long a person is kept waiting before the bot gives up. */
  maxWaitMs?: number;
  /** Subscriptions kept at most (oldest dropped first), so the list cannot grow without bound. */
  maxSubscriptions?: number;
  now?: () => number;
  /**
   * True while the help desk holds the site down (an open incident on its host): a probe answering 200 is
   * then not "back" yet; the incident's resolve tells the watchers instead (`notifyNow`).
   */
  isHeld?: (url: string) => Promise<boolean>;
}

export const WATCH_KEY = 'watch/subscriptions';

const subscriptionSchema = z.object({
  id: z.string(),
  url: z.string(),
  reference: z.record(z.string(), z.unknown()),
  locale: z.enum(LOCALES),
  createdAt: z.number(),
  expiresAt: z.number(),
});
const recordSchema = z.object({ subscriptions: z.array(z.unknown()) });

/** Verdicts after which it is worth telling the person to try again. */
const BACK_VERDICTS = new Set<ProbeResult['verdict']>(['up']);

export interface WatchService {
  subscribe(url: string, reference: Partial<ConversationReference>, locale: LocaleId): Promise<void>;
  /** One round: probe every watched site once, notify and drop the ones that are back or expired. */
  tick(): Promise<{ probed: number; notified: number }>;
  start(): void;
  stop(): void;
  list(): Promise<WatchSubscription[]>;
  /**
   * Tells everyone watching a site `matches` accepts that it is back, now, without a probe (an incident was
   * resolved). Exactly once per person across instances: the same eTag-checked claim as a round's.
   */
  notifyNow(matches: (url: string) => boolean, outcome: Extract<WatchOutcome, { kind: 'resolved' }>): Promise<number>;
}

export function createWatchService({
  storage,
  prober,
  notifier,
  logger,
  intervalMs,
  maxWaitMs = 24 * 60 * 60 * 1000,
  maxSubscriptions = 10_000,
  now = Date.now,
  isHeld = async () => false,
}: WatchServiceOptions): WatchService {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function load(): Promise<{ subscriptions: WatchSubscription[]; eTag?: string }> {
    const items = await storage.read([WATCH_KEY]);
    const stored = items[WATCH_KEY] as { subscriptions?: unknown; eTag?: string } | undefined;
    const parsed = recordSchema.safeParse(stored);
    if (!parsed.success) return { subscriptions: [], eTag: stored?.eTag };
    // Entries written by another version that no longer parse are dropped rather than crashing the round.
    const subscriptions = parsed.data.subscriptions.flatMap((raw) => {
      const one = subscriptionSchema.safeParse(raw);
      return one.success ? [one.data as WatchSubscription] : [];
    });
    return { subscriptions, eTag: stored?.eTag };
  }

  /** Read-modify-write with the eTag; retried when another writer got there first. */
  async function update(change: (current: WatchSubscription[]) => WatchSubscription[]): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const { subscriptions, eTag } = await load();
      const next = change(subscriptions);
      try {
        await storage.write({ [WATCH_KEY]: { subscriptions: next, ...(eTag ? { eTag } : { eTag: '*' }) } });
        return;
      } catch (err) {
        if (!isStorageError(err, 'etag_conflict')) throw err;
      }
    }
    throw new Error('watch list kept changing under us');
  }

  /** Removes exactly these ids; resolves to the ones this caller removed (its claim to notify). */
  async function claim(ids: Set<string>): Promise<WatchSubscription[]> {
    let claimed: WatchSubscription[] = [];
    await update((current) => {
      claimed = current.filter((s) => ids.has(s.id));
      return current.filter((s) => !ids.has(s.id));
    });
    return claimed;
  }

  async function tick(): Promise<{ probed: number; notified: number }> {
    const { subscriptions } = await load();
    if (subscriptions.length === 0) return { probed: 0, notified: 0 };
    const byUrl = new Map<string, WatchSubscription[]>();
    for (const subscription of subscriptions) byUrl.set(subscription.url, [...(byUrl.get(subscription.url) ?? []), subscription]);

    const done = new Map<string, { subscription: WatchSubscription; outcome: WatchOutcome }>();
    for (const [url, waiting] of byUrl) {
      const expired = waiting.filter((s) => s.expiresAt <= now());
      for (const subscription of expired) done.set(subscription.id, { subscription, outcome: { kind: 'gave-up' } });
      if (expired.length === waiting.length) continue;
      // No requester: the per-person limit is for people; the per-host limit still protects the site.
      const result = await prober.probe(url, { fresh: true });
      if (BACK_VERDICTS.has(result.verdict) && !(await isHeld(url))) {
        for (const subscription of waiting)
          if (!done.has(subscription.id)) done.set(subscription.id, { subscription, outcome: { kind: 'back', result } });
      }
    }
    if (done.size === 0) return { probed: byUrl.size, notified: 0 };
    return { probed: byUrl.size, notified: await claimAndNotify(done) };
  }

  /** Claims the entries (removing them from storage) and notifies only those this caller removed. */
  async function claimAndNotify(done: Map<string, { subscription: WatchSubscription; outcome: WatchOutcome }>): Promise<number> {
    const claimed = await claim(new Set(done.keys()));
    let notified = 0;
    for (const subscription of claimed) {
      const entry = done.get(subscription.id);
      if (!entry) continue;
      try {
        await notifier.notify(subscription, entry.outcome);
        notified += 1;
      } catch (err) {
        logger.error({ err, url: subscription.url }, 'could not tell a waiting person that the site is back');
      }
    }
    return notified;
  }

  return {
    async subscribe(url, reference, locale) {
      const subscription: WatchSubscription = {
        id: randomUUID(),
        url,
        reference,
        locale,
        createdAt: now(),
        expiresAt: now() + maxWaitMs,
      };
      await update((current) => {
        // One subscription per conversation and site: asking twice does not mean two messages.
        const others = current.filter((s) => !(s.url === url && s.reference.conversation?.id === reference.conversation?.id));
        return [...others, subscription].slice(-maxSubscriptions);
      });
    },
    tick,
    list: async () => (await load()).subscriptions,
    async notifyNow(matches, outcome) {
      const { subscriptions } = await load();
      const done = new Map(subscriptions.filter((s) => matches(s.url)).map((subscription) => [subscription.id, { subscription, outcome }]));
      return done.size === 0 ? 0 : claimAndNotify(done);
    },
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (running) return; // a slow round is never overlapped by the next one
        running = tick()
          .catch((err: unknown) => logger.error({ err }, 'watch round failed'))
          .finally(() => {
            running = undefined;
          });
      }, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
