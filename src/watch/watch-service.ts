/**
 * "Tell me when it's back": subscriptions kept in the conversation storage, re-probed every
 * WATCH_INTERVAL_MS (one probe per site, however many people wait for it), and a proactive message to
 * each person once the site answers again.
 *
 * Exactly once across instances sharing storage: a subscription is leased (an eTag-checked write marks it
 * `notifyingUntil`) before its message is sent and removed right after, so two instances cannot both
 * notify the same person, and an instance killed between the lease and the removal loses nobody: once the
 * lease runs out the next round takes the subscription up again (the one case of a second message is a
 * kill in the moment between sending and removing). With several instances on Redis, each round of each
 * site is claimed by one instance (`claimRound`), so the site is probed once per interval, not once per instance.
 */
import { randomUUID } from 'node:crypto';
import type { ConversationReference, Storage } from 'botbuilder';
import { z } from 'zod';
import { LOCALES, type LocaleId, type ProbeResult } from '../contracts';
import type { Logger } from '../observability/logger';
import type { Prober } from '../probe/prober';
import { isStorageError } from '../storage/storage-errors';
import { opaqueId } from '../text/opaque-id';

/** One person waiting for one site. */
export interface WatchSubscription {
  id: string;
  url: string;
  reference: Partial<ConversationReference>;
  locale: LocaleId;
  createdAt: number;
  expiresAt: number;
  /** Set while an instance is sending this person their message; past it, another instance may take over. */
  notifyingUntil?: number;
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
  /**
   * Claims one round of one site for this instance (a fleet lock on Redis, src/storage/fleet-lock.ts):
   * false means another instance probes it this round. Default: every round is this instance's.
   */
  claimRound?: (name: string, ttlMs: number) => Promise<boolean>;
  /** How long a lease on a subscription being notified lasts before another instance may take it over. Default 60 s. */
  leaseMs?: number;
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
  notifyingUntil: z.number().optional(),
});
const recordSchema = z.object({ subscriptions: z.array(z.unknown()) });

/** People told per storage write: a kill mid-round repeats at most this many messages. */
const NOTIFY_BATCH = 20;

/** Verdicts after which it is worth telling the person to try again. */
const BACK_VERDICTS = new Set<ProbeResult['verdict']>(['up']);

export interface WatchService {
  subscribe(url: string, reference: Partial<ConversationReference>, locale: LocaleId): Promise<void>;
  /** One round: probe every watched site once, notify and drop the ones that are back or expired. */
  tick(): Promise<{ probed: number; notified: number }>;
  start(): void;
  /** Stops the rounds; resolves once a round still running has finished (its messages sent). */
  stop(): Promise<void>;
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
  claimRound = async () => true,
  leaseMs = 60_000,
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

  /** Leases exactly these ids (unless someone else holds a live lease); resolves to the ones this caller leased. */
  async function lease(ids: Set<string>): Promise<WatchSubscription[]> {
    let leased: WatchSubscription[] = [];
    await update((current) => {
      const until = now() + leaseMs;
      leased = [];
      return current.map((s) => {
        if (!ids.has(s.id) || isLeased(s)) return s;
        const taken = { ...s, notifyingUntil: until };
        leased.push(taken);
        return taken;
      });
    });
    return leased;
  }

  /** Removes these ids once their messages went out (or failed for good). */
  async function remove(ids: Set<string>): Promise<void> {
    await update((current) => current.filter((s) => !ids.has(s.id)));
  }

  const isLeased = (s: WatchSubscription): boolean => s.notifyingUntil !== undefined && s.notifyingUntil > now();

  async function tick(): Promise<{ probed: number; notified: number }> {
    const { subscriptions } = await load();
    // Subscriptions another instance is notifying right now are its business until its lease runs out.
    const open = subscriptions.filter((s) => !isLeased(s));
    if (open.length === 0) return { probed: 0, notified: 0 };
    const byUrl = new Map<string, WatchSubscription[]>();
    for (const subscription of open) byUrl.set(subscription.url, [...(byUrl.get(subscription.url) ?? []), subscription]);
    const round = Math.floor(now() / intervalMs);

    const done = new Map<string, { subscription: WatchSubscription; outcome: WatchOutcome }>();
    let probed = 0;
    for (const [url, waiting] of byUrl) {
      const expired = waiting.filter((s) => s.expiresAt <= now());
      for (const subscription of expired) done.set(subscription.id, { subscription, outcome: { kind: 'gave-up' } });
      if (expired.length === waiting.length) continue;
      // One instance of the fleet probes each site per round; the claim outlives the round, never the next.
      if (!(await claimRound(`watch:${round}:${digest(url)}`, intervalMs))) continue;
      probed += 1;
      // No requester: the per-person limit is for people; the per-host limit still protects the site.
      const result = await prober.probe(url, { fresh: true });
      if (BACK_VERDICTS.has(result.verdict) && !(await isHeld(url))) {
        for (const subscription of waiting)
          if (!done.has(subscription.id)) done.set(subscription.id, { subscription, outcome: { kind: 'back', result } });
      }
    }
    if (done.size === 0) return { probed, notified: 0 };
    return { probed, notified: await leaseAndNotify(done) };
  }

  /**
   * Leases the entries (another instance leaves them alone meanwhile), notifies those this caller leased,
   * and removes them once their messages went out.
   */
  async function leaseAndNotify(done: Map<string, { subscription: WatchSubscription; outcome: WatchOutcome }>): Promise<number> {
    const leased = await lease(new Set(done.keys()));
    let notified = 0;
    for (let start = 0; start < leased.length; start += NOTIFY_BATCH) {
      const batch = leased.slice(start, start + NOTIFY_BATCH);
      for (const subscription of batch) {
        const entry = done.get(subscription.id);
        if (!entry) continue;
        try {
          await notifier.notify(subscription, entry.outcome);
          notified += 1;
        } catch (err) {
          logger.error({ err, url: subscription.url }, 'could not tell a waiting person that the site is back');
        }
      }
      await remove(new Set(batch.map((s) => s.id)));
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
      return done.size === 0 ? 0 : leaseAndNotify(done);
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
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

/** A short, key-safe name for a URL (fleet lock names). */
function digest(url: string): string {
  return opaqueId(url);
}
