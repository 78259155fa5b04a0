/**
 * A probe worker in one region: announces itself with a heartbeat (a Redis key with a TTL, renewed well
 * before it expires), takes probe jobs from its region's BullMQ queue, and runs them through its own prober,
 * built from its own configuration: the address rules, SSRF defences and limits are the worker's, and a job
 * carries nothing but a URL, a scheme flag and a deadline (anything else in it is ignored, anything
 * malformed is refused without a probe).
 */
import { randomUUID } from 'node:crypto';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RegionResult } from '../../contracts';
import type { Prober } from '../prober';
import { bullPrefix, heartbeatKey, isRegionName, probeJobSchema, regionQueueName, toRegionResult } from './regional-jobs';

/** Where a worker reports what went wrong (pino's logger fits). */
export interface WorkerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Options of startProbeWorker. */
export interface ProbeWorkerOptions {
  /** A connection for the worker (BullMQ duplicates it for blocking reads); needs `maxRetriesPerRequest: null`. */
  connection: Redis;
  region: string;
  /** The worker's own prober (the operator's, with the region's User-Agent). */
  prober: Prober;
  /** The deployment's Redis key prefix (same as the bot's). */
  keyPrefix?: string;
  /** How often the heartbeat is renewed. */
  heartbeatMs?: number;
  /** How long a heartbeat lives without renewal: a worker silent this long counts as gone. */
  heartbeatTtlMs?: number;
  /** Jobs run at once. */
  concurrency?: number;
  workerId?: string;
  log?: WorkerLog;
  now?: () => number;
}

/** A running worker. */
export interface ProbeWorker {
  region: string;
  workerId: string;
  /** Removes the heartbeat and stops taking jobs; lets running ones finish unless `force`. */
  close(options?: { force?: boolean }): Promise<void>;
}

const SILENT: WorkerLog = { info: () => {}, warn: () => {} };

/** Starts a worker for `region`; resolves once it has announced itself and listens for jobs. */
export async function startProbeWorker({
  connection,
  region,
  prober,
  keyPrefix = 'gd:',
  heartbeatMs = 5_000,
  heartbeatTtlMs = 15_000,
  concurrency = 8,
  workerId = randomUUID(),
  log = SILENT,
  now = Date.now,
}: ProbeWorkerOptions): Promise<ProbeWorker> {
  if (!isRegionName(region)) throw new Error(`invalid region name ${JSON.stringify(region)} (a-z, 0-9 and -, at most 32)`);
  const key = heartbeatKey(keyPrefix, region, workerId);
  const beat = () => connection.set(key, JSON.stringify({ region, workerId, at: now() }), 'PX', heartbeatTtlMs);

  const processor = async (job: Job): Promise<RegionResult> => {
    const parsed = probeJobSchema.safeParse(job.data);
    // Refused for good (no retry): a malformed job will not get better, and its content is not ours to probe.
    if (!parsed.success) throw new UnrecoverableError('invalid_job');
    const { url, schemeTyped, deadline } = parsed.data;
    if (now() > deadline) throw new UnrecoverableError('expired');
    const result = await prober.probe(url, schemeTyped === false ? { schemeTyped: false } : {});
    return toRegionResult(region, result);
  };

  const worker = new Worker(regionQueueName(region), processor, {
    connection,
    prefix: bullPrefix(keyPrefix),
    concurrency,
    // Nobody reads old answers: the bot waits on each job's completion event, then forgets it.
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 100 },
  });
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, reason: err.message }, 'probe job refused or failed'));
  worker.on('error', (err) => log.warn({ err }, 'probe worker error'));
  await worker.waitUntilReady();
  await beat();
  const timer = setInterval(() => {
    beat().catch((err: unknown) => log.warn({ err }, 'heartbeat failed'));
  }, heartbeatMs);
  timer.unref();
  log.info({ region, workerId }, 'probe worker ready');

  let closed: Promise<void> | undefined;
  return {
    region,
    workerId,
    close({ force = false } = {}) {
      closed ??= (async () => {
        clearInterval(timer);
        // The heartbeat goes first, so the bot stops asking this worker before it stops answering.
        await connection.del(key).catch(() => undefined);
        await worker.close(force);
      })();
      return closed;
    },
  };
}
