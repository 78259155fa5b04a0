/** Prometheus metrics, one registry per process (built in the composition root, not at import time). */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'status'>;
  httpDuration: Histogram<'route'>;
  probes: Counter<'verdict' | 'cached' | 'audience'>;
  turns: Counter<'channel' | 'outcome'>;
  /** Sites checked in conversations, by verdict and producer (analytics; no personal data). */
  analyticsChecks: Counter<'verdict' | 'producer'>;
  /** Visitor conversations by how they ended: fixed, waited, handed_off, abandoned. */
  analyticsOutcomes: Counter<'outcome'>;
  /** The visitor step that fixed it. */
  analyticsFixedBy: Counter<'step'>;
  /** Answers to "did this help?". */
  analyticsFeedback: Counter<'helpful' | 'outcome'>;
  /** How long a turn took to answer. */
  analyticsFirstReply: Histogram<string>;
  /** Crowd reports counted, by whether the host's crowd had reached the threshold. */
  crowdReports: Counter<'crowded'>;
  /** Help desk alerts, by reason and what became of them (sent, claimed elsewhere, failed, no target). */
  alerts: Counter<'reason' | 'result'>;
}

export function createMetrics({ defaults = true }: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'gateway_doctor_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'gateway_doctor_http_requests_total',
      help: 'HTTP requests handled, by route and status code',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'gateway_doctor_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    probes: new Counter({
      name: 'gateway_doctor_probes_total',
      help: 'Probe results handed out, by verdict (rate_limited: our own limits stopped the check), cache, and audience (public bot or operator)',
      labelNames: ['verdict', 'cached', 'audience'],
      registers: [registry],
    }),
    turns: new Counter({
      name: 'gateway_doctor_turns_total',
      help: 'Conversation turns, by channel and outcome',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    analyticsChecks: new Counter({
      name: 'gateway_doctor_analytics_checks_total',
      help: 'Sites checked in conversations, by verdict and producer (none when no producer was recognised)',
      labelNames: ['verdict', 'producer'],
      registers: [registry],
    }),
    analyticsOutcomes: new Counter({
      name: 'gateway_doctor_analytics_outcomes_total',
      help: 'Conversations by how they ended: fixed, waited, handed_off, abandoned',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    analyticsFixedBy: new Counter({
      name: 'gateway_doctor_analytics_fixed_by_total',
      help: 'Conversations fixed, by the visitor step that fixed them',
      labelNames: ['step'],
      registers: [registry],
    }),
    analyticsFeedback: new Counter({
      name: 'gateway_doctor_analytics_feedback_total',
      help: 'Answers to "did this help?", by answer and by how the conversation ended',
      labelNames: ['helpful', 'outcome'],
      registers: [registry],
    }),
    analyticsFirstReply: new Histogram({
      name: 'gateway_doctor_analytics_answer_seconds',
      help: 'Time a conversation turn took to answer',
      buckets: [0.25, 0.5, 1, 2, 4, 8, 16],
      registers: [registry],
    }),
    crowdReports: new Counter({
      name: 'gateway_doctor_crowd_reports_total',
      help: 'Crowd reports counted (a distinct person asking about a host), by whether the host had a crowd',
      labelNames: ['crowded'],
      registers: [registry],
    }),
    alerts: new Counter({
      name: 'gateway_doctor_alerts_total',
      help: 'Help desk alerts, by reason and result (sent, claimed: another instance or an earlier alert this hour; failed; no_target)',
      labelNames: ['reason', 'result'],
      registers: [registry],
    }),
  };
}
