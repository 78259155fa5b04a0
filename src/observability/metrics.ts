/** Prometheus metrics, one registry per process (built in the composition root, not at import time). */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'status'>;
  httpDuration: Histogram<'route'>;
  probes: Counter<'verdict' | 'cached' | 'audience'>;
  turns: Counter<'channel' | 'outcome'>;
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
  };
}
