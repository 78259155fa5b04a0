/**
 * What the bot and its probe workers agree on over Redis: the region names, the queue of each region, the
 * heartbeat key of each worker, and the shapes of a job and of its answer (checked with zod on both sides:
 * the worker never trusts a job, the bot never trusts an answer).
 */
import { z } from 'zod';
import { LOCAL_REGION, VERDICTS, type ProbeResult, type RegionResult } from '../../contracts';
import { PROBE_USER_AGENT } from '../prober';

/** A region name: lower-case letters, digits and dashes, at most 32 characters (it becomes part of keys). */
export const REGION_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** True for a usable region name (`local` is the bot's own look, so no worker may take it). */
export function isRegionName(name: string): boolean {
  return REGION_NAME.test(name) && name !== LOCAL_REGION;
}

/** The BullMQ queue a region's workers take jobs from. */
export function regionQueueName(region: string): string {
  return `probe-${region}`;
}

/** BullMQ's key prefix under the deployment's Redis prefix (`gd:` -> `gd:bull`), so one Redis can host several. */
export function bullPrefix(keyPrefix: string): string {
  return `${keyPrefix}bull`;
}

/** The heartbeat key of one worker: it expires unless the worker keeps renewing it. */
export function heartbeatKey(keyPrefix: string, region: string, workerId: string): string {
  return `${keyPrefix}probe-worker:${region}:${workerId}`;
}

/** The pattern that lists every worker's heartbeat. */
export function heartbeatPattern(keyPrefix: string): string {
  return `${keyPrefix}probe-worker:*`;
}

/** The region named in a heartbeat key, or undefined for a key that is not one. */
export function regionOfHeartbeat(keyPrefix: string, key: string): string | undefined {
  const head = `${keyPrefix}probe-worker:`;
  if (!key.startsWith(head)) return undefined;
  const region = key.slice(head.length).split(':')[0] ?? '';
  return isRegionName(region) ? region : undefined;
}

/** The User-Agent a worker's probes send: the bot's, naming the region, so site owners can tell them apart. */
export function regionUserAgent(region: string): string {
  return PROBE_USER_AGENT.replace('GatewayDoctor-Probe/0.1 (', `GatewayDoctor-Probe/0.1 (region ${region}; `);
}

/** Longest URL a job may carry (the chat caps what it understands far below this). */
export const MAX_JOB_URL_LENGTH = 2048;

/** A probe job as the worker accepts it; anything else is refused without a probe. */
export const probeJobSchema = z.object({
  url: z.string().min(1).max(MAX_JOB_URL_LENGTH),
  schemeTyped: z.boolean().optional(),
  /** Epoch ms after which nobody waits for the answer: the worker skips the job. */
  deadline: z.number().int().positive(),
});

/** A probe job's data. */
export type ProbeJob = z.infer<typeof probeJobSchema>;

/** A worker's answer as the bot accepts it. */
export const regionResultSchema = z.object({
  region: z.string().regex(REGION_NAME),
  verdict: z.enum(VERDICTS),
  httpStatus: z.number().int().min(100).max(999).optional(),
  totalMs: z.number().min(0).max(3_600_000),
});

/** The part of a result a region reports: what it saw, not the addresses it saw it at. */
export function toRegionResult(region: string, result: ProbeResult): RegionResult {
  return {
    region,
    verdict: result.verdict,
    ...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
    totalMs: Math.round(result.timings.totalMs),
  };
}
