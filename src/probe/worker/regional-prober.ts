/**
 * The bot's prober with regions: every probe asks the probe workers of every live region (a heartbeat in
 * Redis) in parallel with the local look, waits for them at most the probe budget, ignores what arrives
 * later, and folds what came in into the result (regional-verdict.ts). With no live worker it is the local
 * prober, unchanged. Regional answers are shared for a few seconds per URL, so an outage storm asks each
 * region once per URL, not once per person.
 */
import { QueueEvents, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ProbeResult, RegionResult } from '../../contracts';
import type { Prober, ProberStats, ProbeRequest } from '../prober';
import { checkTarget } from '../url-policy';
import { bullPrefix, heartbeatPattern, regionOfHeartbeat, regionQueueName, regionResultSchema, type ProbeJob } from './regional-jobs';
import { combineRegions } from './regional-verdict';

/** Options of createRegionalProber. */
export interface RegionalProberOptions {
  /** The local prober (the public bot's, with its cache and limits). */
  local: Prober;
  /** A connection for queues and heartbeats; needs `maxRetriesPerRequest: null` (BullMQ's blocking reads). */
  connection: Redis;
  /** How long to wait for the regions, from the start of a probe (PROBE_TIMEOUT_MS). */
  budgetMs: number;
  keyPrefix?: string;
  /** How long regional answers for one URL are shared; 0 asks the regions on every probe (the operator's). */
  shareMs?: number;
  now?: () => number;
}

/** A prober that also asks the regions; `close` releases its queues. */
export interface RegionalProber extends Prober {
  /** The regions with a live worker right now. */
  liveRegions(): Promise<string[]>;
  close(): Promise<void>;
}

interface Shared {
  at: number;
  answers: Promise<RegionResult[]>;
}

/** Wraps `local` so that each probe also asks the live regions within the budget. */
export function createRegionalProber({
  local,
  connection,
  budgetMs,
  keyPrefix = 'gd:',
  shareMs = 15_000,
  now = Date.now,
}: RegionalProberOptions): RegionalProber {
  const queues = new Map<string, { queue: Queue; events: QueueEvents; ready: Promise<unknown> }>();
  const shared = new Map<string, Shared>();
  const prefix = bullPrefix(keyPrefix);

  const liveRegions = async (): Promise<string[]> => {
    const regions = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await connection.scan(cursor, 'MATCH', heartbeatPattern(keyPrefix), 'COUNT', 200);
      cursor = next;
      for (const key of keys) {
        const region = regionOfHeartbeat(keyPrefix, key);
        if (region) regions.add(region);
      }
    } while (cursor !== '0');
    return [...regions].sort();
  };

  const queueOf = (region: string) => {
    let entry = queues.get(region);
    if (!entry) {
      const name = regionQueueName(region);
      const queue = new Queue(name, { connection, prefix });
      const events = new QueueEvents(name, { connection, prefix });
      // Swallowed here: a region whose queue cannot be reached is a region that does not answer.
      queue.on('error', () => undefined);
      events.on('error', () => undefined);
      entry = { queue, events, ready: events.waitUntilReady() };
      queues.set(region, entry);
    }
    return entry;
  };

  const askRegion = async (region: string, job: ProbeJob, deadline: number): Promise<RegionResult | undefined> => {
    const { queue, events, ready } = queueOf(region);
    await ready;
    const added = await queue.add('probe', job, { attempts: 1, removeOnComplete: true, removeOnFail: true });
    const remaining = deadline - now();
    if (remaining <= 0) return undefined;
    const value: unknown = await added.waitUntilFinished(events, remaining);
    const parsed = regionResultSchema.safeParse(value);
    // An answer from another region than was asked is not that region's answer.
    return parsed.success && parsed.data.region === region ? parsed.data : undefined;
  };

  const askRegions = async (url: string, schemeTyped: boolean): Promise<RegionResult[]> => {
    const deadline = now() + budgetMs;
    let regions: string[];
    try {
      regions = await liveRegions();
    } catch {
      return [];
    }
    if (regions.length === 0) return [];
    const job: ProbeJob = { url, deadline, ...(schemeTyped ? {} : { schemeTyped: false }) };
    const answers = regions.map((region) => askRegion(region, job, deadline).catch(() => undefined));
    // The budget is the budget: whatever has not answered by then is left out, hung workers included.
    let cancel = (): void => {};
    const cut = new Promise<undefined>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - now()));
      cancel = () => clearTimeout(timer);
    });
    try {
      const settled = await Promise.all(answers.map((answer) => Promise.race([answer, cut])));
      return settled.filter((r): r is RegionResult => r !== undefined);
    } finally {
      cancel();
    }
  };

  const regionalAnswers = (target: string, request: ProbeRequest): Promise<RegionResult[]> => {
    // Targets the URL rules refuse are never sent anywhere; the address rules are each worker's own.
    const checked = checkTarget(target);
    if (!checked.ok) return Promise.resolve([]);
    const schemeTyped = checked.schemeTyped && request.schemeTyped !== false;
    const key = `${schemeTyped ? 's' : 'g'}:${checked.url.href}`;
    if (shareMs <= 0) return askRegions(checked.url.href, schemeTyped);
    const at = now();
    for (const [k, entry] of shared) if (at - entry.at > shareMs) shared.delete(k);
    const hit = shared.get(key);
    if (hit && !request.fresh) return hit.answers;
    const answers = askRegions(checked.url.href, schemeTyped);
    shared.set(key, { at, answers });
    return answers;
  };

  return {
    async probe(target: string, request: ProbeRequest = {}): Promise<ProbeResult> {
      const regional = regionalAnswers(target, request);
      const result = await local.probe(target, request);
      return combineRegions(result, await regional);
    },
    stats(): Readonly<ProberStats> {
      return local.stats();
    },
    liveRegions,
    async close() {
      const all = [...queues.values()];
      queues.clear();
      await Promise.all(all.flatMap(({ queue, events }) => [queue.close().catch(() => undefined), events.close().catch(() => undefined)]));
    },
  };
}
