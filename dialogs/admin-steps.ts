/**
 * The administrator's checks as data: the order, how each reply is built from the evidence the bot
 * gathered itself (diagnostics first, questions second), and the overview of the probe.
 */
import {
  downInSome,
  LOCAL_REGION,
  seesFailure,
  type Advice,
  type DnsReport,
  type ProbeResult,
  type RegionResult,
  type Verdict,
} from '../src/contracts';
import type { SupportContext } from './context';
import {
  allEvidenceOf,
  causeOf,
  displayTime,
  evidenceOf,
  isIpAddressHost,
  isProbeLimited,
  isUnreachable,
  probeLimitKey,
  requestIdsOf,
} from './context';
import { hostDraft } from './drafts';
import { LOG_HINTS, PRODUCER_NAMES } from './producers';
import type { KeyedFact, KeyedLine, KeysUnder } from './translation-keys';

export const ADMIN_STEP_IDS = ['maintenance', 'dns', 'logs', 'firewall', 'app', 'host'] as const;
export type AdminStepId = (typeof ADMIN_STEP_IDS)[number];

/** The state under `admin` that starts a step: the step's own, or `dnsLookup`, which runs the lookup first. */
export type AdminStepEntry = AdminStepId | 'dnsLookup';

export interface AdminStep {
  id: AdminStepId;
  /** The state that starts the step: `dns` first runs a lookup (`dnsLookup`) and reports from there. */
  enter: AdminStepEntry;
  /** The reply on entering the step's waiting state; `dns` has none because the lookup replies. */
  reply?: (ctx: SupportContext) => KeyedLine[];
}

/** Certificates closer than this to expiry get a warning in the overview. */
export const TLS_WARN_DAYS = 14;

const fact = (name: KeysUnder<'fact'>, value: string | number): KeyedFact => ({ labelKey: `fact.${name}`, value: String(value) });

/** What a probe result means for the person who runs the site; each id is a reply key `admin.reading.<id>`. */
export const ADMIN_READING_IDS = [
  'up',
  'slow',
  'flapping',
  'rateLimited',
  'down',
  'noConnection',
  'dnsMissing',
  'dnsFailing',
  'tls',
  'timeout',
  'generic',
] as const;
export type AdminReadingId = (typeof ADMIN_READING_IDS)[number];

/** One row of the administrator's reading: a verdict, optionally narrowed by advice or status. */
export interface AdminReadingRule {
  verdict: Verdict;
  advice?: Advice;
  /** `none`: no HTTP answer at all; `429`: Too Many Requests; `5xx`: any server error. */
  status?: 'none' | '429' | '5xx';
  reading: AdminReadingId;
}

/**
 * The visitor's advice ("down for everyone, wait for a fix") is the wrong sentence for the person who has
 * to do the fixing: this table says what the same result means for them. First match wins; a verdict the
 * table does not know yet reads `generic`.
 */
export const ADMIN_READING_RULES: readonly AdminReadingRule[] = [
  { verdict: 'up', reading: 'up' },
  // Failed, then answered on the quick second look (verdict.ts `combine`).
  { verdict: 'degraded', advice: 'admin_check', reading: 'flapping' },
  { verdict: 'degraded', status: '429', reading: 'rateLimited' },
  { verdict: 'degraded', status: '5xx', reading: 'down' },
  { verdict: 'degraded', reading: 'slow' },
  { verdict: 'down', status: 'none', reading: 'noConnection' },
  { verdict: 'down', reading: 'down' },
  // A name that does not exist (NXDOMAIN) against resolvers that fail for a while.
  { verdict: 'dns_error', advice: 'contact_site', reading: 'dnsMissing' },
  { verdict: 'dns_error', reading: 'dnsFailing' },
  { verdict: 'tls_error', reading: 'tls' },
  { verdict: 'timeout', reading: 'timeout' },
];

function statusClass(p: ProbeResult): AdminReadingRule['status'] {
  if (p.httpStatus === undefined) return 'none';
  if (p.httpStatus === 429) return '429';
  return p.httpStatus >= 500 ? '5xx' : undefined;
}

/** What a probe result means for the person who runs the site. */
export function adminReadingOf(p: ProbeResult): AdminReadingId {
  const status = statusClass(p);
  const rule = ADMIN_READING_RULES.find(
    (r) => r.verdict === p.verdict && (r.advice === undefined || r.advice === p.advice) && (r.status === undefined || r.status === status),
  );
  return rule?.reading ?? 'generic';
}

/** What the probe saw, for administrators: precise, with timings and ids. */
export function overviewReplies(ctx: SupportContext): KeyedLine[] {
  const p = ctx.probe;
  const host = ctx.host ?? '-';
  if (!p) return [{ key: 'admin.overview.noProbe', vars: { host } }];
  if (isProbeLimited(p)) return [{ key: probeLimitKey(p) }];
  // Blocked and refused targets read the same here too: "I run this site" is a claim, not a credential.
  if (isUnreachable(p)) {
    return [{ key: 'admin.overview.unreachable', vars: { host }, facts: [fact('checkedAt', displayTime(p.checkedAt))] }];
  }

  const out: KeyedLine[] = [];
  const terms = { verdict: [`verdict.${p.verdict}` as const] };
  out.push(
    p.httpStatus !== undefined
      ? { key: 'admin.overview.http', vars: { host, status: p.httpStatus }, terms, facts: factsOf(p, ctx) }
      : { key: 'admin.overview.noResponse', vars: { host }, terms, facts: factsOf(p, ctx) },
  );
  const split = downInSome(p);
  // Down in some regions only: the regional reading replaces "failed, then answered", which it is not.
  out.push(split.length > 0 ? { key: 'regions.reading' } : { key: `admin.reading.${adminReadingOf(p)}` });
  out.push(...regionReplies(p, split));
  const producer = evidenceOf(p, 'producer');
  if (producer) {
    out.push({
      key: producer.branded ? 'admin.overview.producerBranded' : 'admin.overview.producer',
      vars: { producer: PRODUCER_NAMES[producer.producer] },
      terms: { layer: [`layer.${producer.layer}`], actor: [`actor.${producer.actor}`] },
    });
  }
  const cause = causeOf(p);
  const subStatus = evidenceOf(p, 'sub-status');
  if (cause) {
    out.push({
      key: subStatus ? 'admin.overview.subStatusCause' : 'admin.overview.cause',
      vars: { code: subStatus?.code ?? '' },
      terms: { cause: [`cause.${cause}`] },
    });
  }
  const days = evidenceOf(p, 'tls')?.daysToExpiry;
  if (days !== undefined && days < TLS_WARN_DAYS) out.push({ key: 'admin.overview.tlsExpiring', vars: { days } });
  if (ctx.variant === 'iis-502.1') out.push({ key: 'admin.overview.cgiTimeout' });
  return out;
}

/** What each region saw, for administrators: who sees the site fail, then one line per region. */
function regionReplies(p: ProbeResult, failing: readonly string[]): KeyedLine[] {
  const regions = p.regions ?? [];
  if (regions.length === 0) return [];
  const others = failing.filter((r) => r !== LOCAL_REGION);
  const failsHere = failing.includes(LOCAL_REGION);
  let head: KeyedLine;
  if (failing.length === 0) {
    const everywhere = regions.some((r) => seesFailure(r.verdict, r.httpStatus));
    head = { key: everywhere ? 'regions.downEverywhere' : 'regions.upEverywhere', vars: { count: regions.length } };
  } else if (others.length === 0) {
    head = { key: 'regions.downOnlyHere', vars: { count: regions.length - 1 } };
  } else {
    head = { key: failsHere ? 'regions.downHereAndIn' : 'regions.downIn', vars: { regions: others.join(', ') } };
  }
  return [head, ...regions.map(regionLine)];
}

function regionLine(r: RegionResult): KeyedLine {
  const verdict = [`verdict.${r.verdict}` as const];
  const ms = r.totalMs;
  const status = r.httpStatus;
  // The bot's own look is "this server" in the reader's language; other regions keep the name they were given.
  if (r.region === LOCAL_REGION) {
    const terms = { verdict, region: ['regions.thisServer' as const] };
    return status !== undefined
      ? { key: 'regions.line', vars: { status, ms }, terms }
      : { key: 'regions.lineNoResponse', vars: { ms }, terms };
  }
  const vars = { region: r.region, ms };
  return status !== undefined
    ? { key: 'regions.line', vars: { ...vars, status }, terms: { verdict } }
    : { key: 'regions.lineNoResponse', vars, terms: { verdict } };
}

function factsOf(p: ProbeResult, ctx: SupportContext): KeyedFact[] {
  const facts: KeyedFact[] = [fact('checkedAt', displayTime(p.checkedAt))];
  if (p.httpStatus !== undefined) facts.push(fact('status', p.httpStatus));
  if (p.producer) facts.push(fact('producer', PRODUCER_NAMES[p.producer]));
  const t = p.timings;
  // A site reached by its IP address was not looked up: a DNS time would describe a step that never ran.
  if (t.dnsMs !== undefined && !isIpAddressHost(ctx.host)) facts.push(fact('dnsMs', t.dnsMs));
  if (t.connectMs !== undefined) facts.push(fact('connectMs', t.connectMs));
  if (t.tlsMs !== undefined) facts.push(fact('tlsMs', t.tlsMs));
  if (t.ttfbMs !== undefined) facts.push(fact('ttfbMs', t.ttfbMs));
  facts.push(fact('totalMs', t.totalMs));
  const tls = evidenceOf(p, 'tls');
  if (tls?.daysToExpiry !== undefined) facts.push(fact('tlsDaysToExpiry', tls.daysToExpiry));
  for (const id of requestIdsOf(p)) facts.push(fact('requestId', id));
  return facts;
}

/** The DNS records an administrator checks, and what they suggest. */
export function dnsReplies(ctx: SupportContext, report: DnsReport): KeyedLine[] {
  if (report.error) return [{ key: 'admin.dns.failed', vars: { host: report.host, code: report.error } }];
  const list = (xs: string[]): string => (xs.length > 0 ? xs.join(', ') : '-');
  const out: KeyedLine[] = [
    {
      key: 'admin.dns.report',
      vars: { host: report.host },
      facts: [
        fact('dnsA', list(report.a)),
        fact('dnsAaaa', list(report.aaaa)),
        fact('dnsCname', list(report.cname)),
        fact('dnsNs', list(report.ns)),
      ],
    },
  ];
  // The probe resolved from its own vantage point; disagreement is the usual sign of a change still spreading.
  const probed = evidenceOf(ctx.probe, 'dns')?.addresses ?? [];
  const now = [...report.a, ...report.aaaa];
  if (probed.length > 0 && now.length > 0 && !probed.some((a) => now.includes(a))) {
    out.push({ key: 'admin.dns.mismatch', vars: { probed: probed.join(', '), current: now.join(', ') } });
  }
  out.push({ key: 'admin.dns.propagation' });
  return out;
}

/** The administrator checks after the overview, in order. */
export const ADMIN_STEPS: readonly AdminStep[] = [
  {
    id: 'maintenance',
    enter: 'maintenance',
    reply: (ctx) => {
      const failed = allEvidenceOf(ctx.probe, 'connect').find((c) => !c.ok);
      // A refused connect must not be reported differently from a blocked target (see overviewReplies).
      if (failed && !isUnreachable(ctx.probe)) {
        const vars = { address: failed.address, port: failed.port, code: failed.code ?? '-' };
        return [{ key: 'admin.maintenance.connectFailed', vars }];
      }
      return [{ key: 'admin.maintenance.check', vars: { host: ctx.host ?? '-' } }];
    },
  },
  { id: 'dns', enter: 'dnsLookup' },
  {
    id: 'logs',
    enter: 'logs',
    reply: (ctx) => {
      if (ctx.findings.length > 0) return [{ key: 'admin.logs.explained' }];
      const producer = ctx.probe?.producer ?? ctx.pastedProducer;
      const hint = producer ? LOG_HINTS[producer] : 'generic';
      return [{ key: `admin.logs.ask.${hint}`, ...(producer ? { vars: { producer: PRODUCER_NAMES[producer] } } : {}) }];
    },
  },
  {
    id: 'firewall',
    enter: 'firewall',
    reply: (ctx) => {
      const front = evidenceOf(ctx.probe, 'producer');
      return front && (front.layer === 'cdn' || front.layer === 'load-balancer')
        ? [{ key: 'admin.firewall.proxied', vars: { producer: PRODUCER_NAMES[front.producer] } }]
        : [{ key: 'admin.firewall.direct' }];
    },
  },
  {
    id: 'app',
    enter: 'app',
    reply: (ctx) =>
      ctx.cause ? [{ key: 'admin.app.knownCause', terms: { cause: [`cause.${ctx.cause}`] } }] : [{ key: 'admin.app.generic' }],
  },
  {
    id: 'host',
    enter: 'host',
    reply: (ctx) => [{ key: 'admin.host', draft: hostDraft(ctx) }],
  },
];

/** Looks an administrator step up by id. */
export function adminStep(id: AdminStepId): AdminStep {
  const step = ADMIN_STEPS.find((s) => s.id === id);
  if (!step) throw new Error(`unknown admin step ${id}`);
  return step;
}
