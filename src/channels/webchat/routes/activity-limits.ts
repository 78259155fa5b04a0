/**
 * The budgets of the Direct Line routes: how many chats one address may start, and how much one conversation,
 * and one client address across all its conversations, may post and read.
 */
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Response } from 'restify';
import { tooMany } from './route-helpers';

/** A rate-limit window: `points` requests per `seconds`. */
export interface RateWindow {
  points: number;
  seconds: number;
}

/** Budgets for what one conversation, and one client address across all its conversations, may post. */
export interface ActivityLimits {
  /** Messages and events: each is stored and runs the bot. */
  turns: { perConversation: readonly RateWindow[]; perClient: readonly RateWindow[] };
  /** Typing indicators: shown to live listeners only, never stored nor run, so cheaper and counted apart. */
  typing: { perConversation: readonly RateWindow[]; perClient: readonly RateWindow[] };
  /** Reads: history polls, reconnects and token re-issues. Each costs a page of JSON or a signature. */
  reads: { perConversation: readonly RateWindow[]; perClient: readonly RateWindow[] };
}

/**
 * A person types a message every few seconds and clicks a few buttons in a row; the widget sends a typing
 * indicator at most every three seconds. The per-client budget is larger because a NAT or an office proxy
 * puts several people behind one address, and smaller than the sum of the conversations one address can open
 * (20 tokens a minute), so rotating conversations does not multiply it.
 */
export const DEFAULT_ACTIVITY_LIMITS: ActivityLimits = {
  turns: {
    perConversation: [
      { points: 10, seconds: 10 },
      { points: 40, seconds: 60 },
    ],
    perClient: [{ points: 120, seconds: 60 }],
  },
  typing: {
    perConversation: [{ points: 20, seconds: 10 }],
    perClient: [{ points: 300, seconds: 60 }],
  },
  // The widget polls once a second when it cannot stream; clients that poll ten times a second still fit.
  reads: {
    perConversation: [{ points: 150, seconds: 10 }],
    perClient: [{ points: 1200, seconds: 60 }],
  },
};

/** What a limiter is built from: a budget and the prefix that keeps its keys apart from other limiters'. */
export interface LimiterSpec {
  points: number;
  duration: number;
  keyPrefix: string;
}

/**
 * Builds one limiter. In memory by default (one instance); the composition root passes one on Redis when
 * STORAGE is Redis, so every instance spends the same budgets.
 */
export type LimiterFactory = (spec: LimiterSpec) => RateLimiterAbstract;

/** Limiters kept in this process. */
export const createMemoryLimiter: LimiterFactory = (spec) => new RateLimiterMemory(spec);

/** The default limiter of `POST /api/webchat/token`: 20 new chats a minute per client address. */
export function createTokenLimiter(createLimiter: LimiterFactory = createMemoryLimiter): RateLimiterAbstract {
  return createLimiter({ points: 20, duration: 60, keyPrefix: 'webchat-token' });
}

/** The posted-activity and read limiters of every conversation and client. */
export interface ActivityLimiters {
  /** Charges one request of `kind`; how long to wait (ms) when a budget is spent, else undefined. */
  charge(kind: keyof ActivityLimits, conversationId: string, clientAddress: string): Promise<number | undefined>;
}

/** Builds the limiters of `limits`, DEFAULT_ACTIVITY_LIMITS for each kind not given. */
export function createActivityLimiters(
  given: Partial<ActivityLimits> = {},
  createLimiter: LimiterFactory = createMemoryLimiter,
): ActivityLimiters {
  const limits: ActivityLimits = {
    turns: given.turns ?? DEFAULT_ACTIVITY_LIMITS.turns,
    typing: given.typing ?? DEFAULT_ACTIVITY_LIMITS.typing,
    reads: given.reads ?? DEFAULT_ACTIVITY_LIMITS.reads,
  };
  const build = (kind: keyof ActivityLimits, scope: 'conversation' | 'client', windows: readonly RateWindow[]) =>
    windows.map((window, i) =>
      createLimiter({ points: window.points, duration: window.seconds, keyPrefix: `webchat-${kind}-${scope}-${i}` }),
    );
  const forKind = (kind: keyof ActivityLimits) => ({
    conversation: build(kind, 'conversation', limits[kind].perConversation),
    client: build(kind, 'client', limits[kind].perClient),
  });
  const limiters = { turns: forKind('turns'), typing: forKind('typing'), reads: forKind('reads') };
  return {
    async charge(kind, conversationId, clientAddress) {
      const charges = [
        ...limiters[kind].conversation.map((limiter) => limiter.consume(conversationId)),
        ...limiters[kind].client.map((limiter) => limiter.consume(clientAddress)),
      ];
      let waitMs: number | undefined;
      for (const outcome of await Promise.allSettled(charges)) {
        if (outcome.status === 'fulfilled') continue;
        if (!(outcome.reason instanceof RateLimiterRes)) throw outcome.reason;
        waitMs = Math.max(waitMs ?? 0, outcome.reason.msBeforeNext);
      }
      return waitMs;
    },
  };
}

/** Charges a read to its conversation and client; answers 429 itself and returns false when a budget is spent. */
export async function chargeRead(
  limiters: ActivityLimiters,
  res: Response,
  conversationId: string,
  clientAddress: string,
): Promise<boolean> {
  const waitMs = await limiters.charge('reads', conversationId, clientAddress);
  if (waitMs === undefined) return true;
  tooMany(res, waitMs, 'Too many requests in a short time; wait a moment and try again.');
  return false;
}
