/**
 * The public prober's limits counted for the whole fleet: with several instances on one Redis, a person, a
 * client address or a target host gets one budget, not one per instance. Each Redis limiter has an
 * in-memory insurance limiter with the same budget, used at once while Redis is not ready, so an outage
 * of Redis neither opens the door to a flood nor turns every probe away.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { DEFAULT_PUBLIC_LIMITS, type ProberOptions } from './prober';

/** Options of the fleet's limiters. */
export interface FleetLimitsOptions {
  client: Redis;
  /** Prefix of every key (the storage's, e.g. `gd:`). */
  keyPrefix?: string;
  /** Budgets per limiter; default the single instance's (DEFAULT_PUBLIC_LIMITS). */
  limits?: Readonly<Record<LimitName, { points: number; duration: number }>>;
}

type LimitName = keyof typeof DEFAULT_PUBLIC_LIMITS;

type FleetLimiters = Required<Pick<ProberOptions, 'perHostLimiter' | 'perRequesterLimiter' | 'perClientLimiter'>>;

/** The three public limiters on Redis, each insured by a memory limiter. */
export function createFleetLimiters({ client, keyPrefix = 'gd:', limits = DEFAULT_PUBLIC_LIMITS }: FleetLimitsOptions): FleetLimiters {
  const limiter = (name: LimitName) =>
    new RateLimiterRedis({
      storeClient: client,
      keyPrefix: `${keyPrefix}limit:${name}`,
      ...limits[name],
      // Not ready means reconnecting: ask the insurance at once instead of queueing behind ioredis's retries.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ ...limits[name] }),
    });
  return { perHostLimiter: limiter('perHost'), perRequesterLimiter: limiter('perRequester'), perClientLimiter: limiter('perClient') };
}
