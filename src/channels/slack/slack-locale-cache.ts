/**
 * Remembers each Slack user's locale (from `users.info` with `include_locale`) so a conversation costs one
 * lookup an hour, not one per message. Concurrent lookups for the same person share one request; a failed
 * lookup is remembered briefly as "unknown" so a missing `users:read` scope does not cost a call per message.
 */

/** Fetches one user's Slack locale (`es-ES`, `ja-JP`...); resolves undefined when Slack did not say. */
export type LocaleLookup = (teamId: string, userId: string) => Promise<string | undefined>;

/** Options of the cache; every one has a default. */
export interface SlackLocaleCacheOptions {
  lookup: LocaleLookup;
  /** How long a known locale is kept. Default one hour. */
  ttlMs?: number;
  /** How long a failed lookup is not retried. Default five minutes. */
  failureTtlMs?: number;
  /** Most people remembered; the oldest entry goes first. Default 10,000. */
  maxEntries?: number;
  /** The clock, replaceable in tests. */
  now?: () => number;
  /** Told about failed lookups (they never fail a turn). */
  onError?: (err: unknown) => void;
}

interface Entry {
  locale: string | undefined;
  expiresAt: number;
}

/** Per-user locale cache in front of `users.info`. */
export class SlackLocaleCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<string | undefined>>();
  private readonly lookup: LocaleLookup;
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;

  constructor({
    lookup,
    ttlMs = 60 * 60 * 1000,
    failureTtlMs = 5 * 60 * 1000,
    maxEntries = 10_000,
    now = Date.now,
    onError = () => undefined,
  }: SlackLocaleCacheOptions) {
    this.lookup = lookup;
    this.ttlMs = ttlMs;
    this.failureTtlMs = failureTtlMs;
    this.maxEntries = maxEntries;
    this.now = now;
    this.onError = onError;
  }

  /** The user's locale, from memory when fresh; never rejects. */
  async localeOf(teamId: string, userId: string): Promise<string | undefined> {
    const key = `${teamId}:${userId}`;
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > this.now()) return cached.locale;
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;

    const request = this.fetch(key, teamId, userId).finally(() => this.pending.delete(key));
    this.pending.set(key, request);
    return request;
  }

  private async fetch(key: string, teamId: string, userId: string): Promise<string | undefined> {
    let entry: Entry;
    try {
      const locale = await this.lookup(teamId, userId);
      entry = { locale, expiresAt: this.now() + this.ttlMs };
    } catch (err) {
      this.onError(err);
      entry = { locale: undefined, expiresAt: this.now() + this.failureTtlMs };
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return entry.locale;
  }
}
