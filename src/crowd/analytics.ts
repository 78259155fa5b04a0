/**
 * Analytics with no personal data: checks by verdict and producer, conversations by outcome, the step that
 * fixed it, "did this help?" answers and time to answer, as counters per hour bucket (src/storage/
 * analytics-store.ts) and as Prometheus counters. Counter names are built only from closed lists (verdicts,
 * producers, outcomes, step ids, bucket bounds): nothing a person typed can become one.
 */
import { VERDICTS, type ProducerId } from '../contracts';
import { PRODUCER_NAMES } from '../../dialogs/producers';
import { OUTCOMES, type AnalyticsSignal } from '../../dialogs/types';
import { USER_STEP_IDS } from '../../dialogs/user-step-ids';
import type { Metrics } from '../observability/metrics';
import { HOUR_MS, type AnalyticsStore, type HourCounters } from '../storage/analytics-store';

/** Upper bounds (ms) of the time-to-answer buckets; `inf` holds the rest. Not cumulative. */
export const FIRST_REPLY_BUCKETS_MS = [250, 500, 1000, 2000, 4000, 8000, 16000] as const;
const LATENCY_LABELS = [...FIRST_REPLY_BUCKETS_MS.map(String), 'inf'] as const;

/** The groups of the report, in the order the JSON and the CSV list them. */
export const ANALYTICS_GROUPS = ['verdict', 'producer', 'outcome', 'fixedBy', 'feedback', 'firstReplyMs'] as const;
export type AnalyticsGroup = (typeof ANALYTICS_GROUPS)[number];

/** The keys each group may hold: anything else read from storage is dropped. */
const GROUP_KEYS: Record<AnalyticsGroup, ReadonlySet<string>> = {
  verdict: new Set<string>(VERDICTS),
  producer: new Set<string>([...Object.keys(PRODUCER_NAMES), 'none']),
  outcome: new Set<string>(OUTCOMES),
  fixedBy: new Set<string>([...USER_STEP_IDS, 'unknown']),
  feedback: new Set<string>(['yes', 'no']),
  firstReplyMs: new Set<string>(LATENCY_LABELS),
};

/** One bucket's figures: `checks` (sites checked), then each group's `key -> count`. */
export interface AnalyticsFigures {
  checks: number;
  verdict: Record<string, number>;
  producer: Record<string, number>;
  outcome: Record<string, number>;
  fixedBy: Record<string, number>;
  feedback: Record<string, number>;
  firstReplyMs: Record<string, number>;
}

/** `GET /api/admin/analytics`: the totals of the range and one entry per hour that has any count. */
export interface AnalyticsReport {
  from: string;
  to: string;
  bucket: 'hour';
  totals: AnalyticsFigures;
  hours: Array<{ hour: string } & AnalyticsFigures>;
}

export interface Analytics {
  /** Counts the machine's signals of one turn. */
  record(signals: readonly AnalyticsSignal[]): Promise<void>;
  /** Counts how long a turn took to answer. */
  answered(ms: number): Promise<void>;
  /** The figures of the hours from `fromMs` to `toMs` (inclusive of both hours). */
  report(fromMs: number, toMs: number): Promise<AnalyticsReport>;
}

export interface AnalyticsOptions {
  store: AnalyticsStore;
  metrics?: Metrics;
  now?: () => number;
}

/** Builds the analytics recorder on its store. */
export function createAnalytics({ store, metrics, now = Date.now }: AnalyticsOptions): Analytics {
  const add = (counters: Record<string, number>) => store.add(Math.floor(now() / HOUR_MS), counters);
  return {
    async record(signals) {
      const counters: Record<string, number> = {};
      const bump = (name: string) => {
        counters[name] = (counters[name] ?? 0) + 1;
      };
      for (const signal of signals) {
        switch (signal.kind) {
          case 'checked': {
            const producer = producerLabel(signal.producer);
            bump('checks');
            bump(`verdict:${signal.verdict}`);
            bump(`producer:${producer}`);
            metrics?.analyticsChecks.inc({ verdict: signal.verdict, producer });
            break;
          }
          case 'outcome': {
            bump(`outcome:${signal.outcome}`);
            metrics?.analyticsOutcomes.inc({ outcome: signal.outcome });
            if (signal.outcome === 'fixed') {
              const step = stepLabel(signal.step);
              bump(`fixedBy:${step}`);
              metrics?.analyticsFixedBy.inc({ step });
            }
            break;
          }
          case 'feedback': {
            const answer = signal.helpful ? 'yes' : 'no';
            bump(`feedback:${answer}`);
            metrics?.analyticsFeedback.inc({ helpful: answer, outcome: signal.outcome ?? 'unknown' });
            break;
          }
        }
      }
      if (Object.keys(counters).length > 0) await add(counters);
    },
    async answered(ms) {
      const bucket = FIRST_REPLY_BUCKETS_MS.find((bound) => ms <= bound);
      metrics?.analyticsFirstReply.observe(ms / 1000);
      await add({ [`firstReplyMs:${bucket ?? 'inf'}`]: 1 });
    },
    async report(fromMs, toMs) {
      const rows = await store.read(Math.floor(fromMs / HOUR_MS), Math.floor(toMs / HOUR_MS));
      const hours = rows.map((row) => ({ hour: new Date(row.hour * HOUR_MS).toISOString(), ...figuresOf(row) }));
      return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), bucket: 'hour', totals: sum(hours), hours };
    },
  };
}

function producerLabel(producer: ProducerId | undefined): string {
  return producer && GROUP_KEYS.producer.has(producer) ? producer : 'none';
}

function stepLabel(step: string | undefined): string {
  return step && GROUP_KEYS.fixedBy.has(step) ? step : 'unknown';
}

function emptyFigures(): AnalyticsFigures {
  return { checks: 0, verdict: {}, producer: {}, outcome: {}, fixedBy: {}, feedback: {}, firstReplyMs: {} };
}

/** One hour's stored counters as figures; names outside the closed lists (another version's) are dropped. */
function figuresOf(row: HourCounters): AnalyticsFigures {
  const figures = emptyFigures();
  for (const [name, n] of Object.entries(row.counts)) {
    if (name === 'checks') {
      figures.checks += n;
      continue;
    }
    const colon = name.indexOf(':');
    const group = name.slice(0, colon) as AnalyticsGroup;
    const key = name.slice(colon + 1);
    if (colon < 0 || !(ANALYTICS_GROUPS as readonly string[]).includes(group) || !GROUP_KEYS[group].has(key)) continue;
    figures[group][key] = (figures[group][key] ?? 0) + n;
  }
  return figures;
}

function sum(list: readonly AnalyticsFigures[]): AnalyticsFigures {
  const total = emptyFigures();
  for (const figures of list) {
    total.checks += figures.checks;
    for (const group of ANALYTICS_GROUPS) {
      for (const [key, n] of Object.entries(figures[group])) total[group][key] = (total[group][key] ?? 0) + n;
    }
  }
  return total;
}
