/**
 * The hosts checked recently and what the probe last said about each: what the status board lists.
 * Bounded, newest first; in memory per instance.
 */
import type { ProbeResult } from './types';

/** One row of the status board (also `GET /api/status`). */
export interface RecentCheck {
  host: string;
  url: string;
  verdict: ProbeResult['verdict'];
  advice: ProbeResult['advice'];
  httpStatus?: number;
  producer?: ProbeResult['producer'];
  checkedAt: string;
  /** How many times people asked about this host since the instance started. */
  asks: number;
}

export interface RecentChecks {
  record(result: ProbeResult): void;
  list(limit?: number): RecentCheck[];
}

export function createRecentChecks({ maxHosts = 200 }: { maxHosts?: number } = {}): RecentChecks {
  const rows = new Map<string, RecentCheck>();
  return {
    record(result) {
      let host: string;
      try {
        host = new URL(result.url).host;
      } catch {
        return; // invalid targets have no host worth listing
      }
      if (result.verdict === 'invalid') return;
      const previous = rows.get(host);
      rows.delete(host);
      const row: RecentCheck = {
        host,
        url: result.url,
        verdict: result.verdict,
        advice: result.advice,
        checkedAt: result.checkedAt,
        asks: (previous?.asks ?? 0) + 1,
      };
      if (result.httpStatus !== undefined) row.httpStatus = result.httpStatus;
      if (result.producer) row.producer = result.producer;
      rows.set(host, row);
      while (rows.size > maxHosts) {
        const oldest = rows.keys().next();
        if (oldest.done) break;
        rows.delete(oldest.value);
      }
    },
    list(limit = 50) {
      return [...rows.values()].reverse().slice(0, limit);
    },
  };
}
