/**
 * Every key the machines can emit has an English string, and every `{{var}}` in that string is
 * supplied by the reply (vars, keys or terms). The replies are produced by the real builders over a
 * matrix of browsers, systems and probe results, so a new variant without a string fails here.
 */
import i18next from 'i18next';
import { ADMIN_READING_IDS, ADMIN_STEPS, dnsReplies, overviewReplies } from '../../dialogs/admin-steps';
import { whereNowReplies } from '../../dialogs/where-now';
import { createInitialContext, type SupportContext } from '../../dialogs/context';
import { FAULT_IDS, LOG_HINT_IDS, PRODUCER_NAMES } from '../../dialogs/producers';
import {
  findingReplies,
  helpReply,
  noticeReply,
  PROMPT_PATHS,
  REPLIES,
  repromptReply,
  variantKey,
  withChoices,
  type ReplyName,
} from '../../dialogs/replies';
import { KEY_IDS } from '../../dialogs/shortcuts';
import { BROWSERS, INTENTS, OPERATING_SYSTEMS, VARIANTS, type Reply } from '../../dialogs/types';
import { USER_STEPS } from '../../dialogs/user-steps';
import { publicView } from '../../src/probe/public-view';
import { ADVICES, CAUSE_IDS, VERDICTS, type Layer, type ProbeResult, type ProducerId } from '../../src/contracts';
import translation from '../../locales/en/translation.json';
import { englishText, fakeCloudflareDown, fakeDnsReport, fakeProbeResult } from './create-conversation';

const LAYERS: Layer[] = ['cdn', 'load-balancer', 'reverse-proxy', 'app-server', 'platform'];

function createContext(overrides: Partial<SupportContext> = {}): SupportContext {
  return { ...createInitialContext(), url: 'https://shop.example/', host: 'shop.example', ...overrides };
}

const PROBES: ProbeResult[] = [
  fakeProbeResult(),
  fakeProbeResult({ verdict: 'degraded', advice: 'troubleshoot' }),
  fakeCloudflareDown(true),
  fakeCloudflareDown(false),
  fakeProbeResult({ verdict: 'timeout', advice: 'wait', httpStatus: undefined }),
  fakeProbeResult({ verdict: 'dns_error', advice: 'wait', httpStatus: undefined }),
  fakeProbeResult({
    verdict: 'tls_error',
    advice: 'contact_site',
    httpStatus: undefined,
    evidence: [{ kind: 'tls', ok: false, daysToExpiry: -2 }],
  }),
  fakeProbeResult({ verdict: 'blocked', httpStatus: undefined, evidence: [{ kind: 'refused', reason: 'address' }] }),
  fakeProbeResult({
    verdict: 'down',
    httpStatus: undefined,
    evidence: [{ kind: 'connect', address: '203.0.113.10', port: 443, ok: false, code: 'EHOSTUNREACH' }],
  }),
  fakeProbeResult({ verdict: 'down', httpStatus: 502 }),
  ...(Object.keys(PRODUCER_NAMES) as ProducerId[]).map((producer, i) =>
    fakeProbeResult({
      verdict: 'down',
      advice: 'admin_check',
      httpStatus: 502,
      producer,
      evidence: [
        { kind: 'producer', producer, layer: LAYERS[i % LAYERS.length] ?? 'cdn', actor: i % 2 ? 'site' : 'provider', branded: i % 3 === 0 },
        { kind: 'sub-status', code: '502.3', cause: CAUSE_IDS[i % CAUSE_IDS.length] },
        { kind: 'request-id', name: 'x-request-id', value: `r-${i}` },
      ],
    }),
  ),
];

/** Every reply the builders can produce over the matrix. */
function allReplies(): Reply[] {
  const out: Reply[] = [];
  const contexts: SupportContext[] = [];
  for (const browser of [undefined, ...BROWSERS]) {
    for (const os of [undefined, ...OPERATING_SYSTEMS]) {
      for (const submitting of [false, true])
        contexts.push(createContext({ ...(browser ? { browser } : {}), ...(os ? { os } : {}), submitting }));
    }
  }
  for (const probe of PROBES) {
    for (const role of [undefined, 'admin', 'visitor'] as const) {
      contexts.push(
        createContext({
          probe: publicView(probe),
          ...(role ? { role } : {}),
          variant: 'iis-502.1',
          cause: 'app-crash',
          findings: [{ cause: 'upstream-reset' }, { cause: 'error-page' }],
          stepsTried: [
            { step: 'reload', answer: 'no' },
            { step: 'admin.dns', answer: 'skip' },
          ],
        }),
      );
    }
  }
  contexts.push(createInitialContext(), createContext({ variant: 'bad-gateway', pastedProducer: 'nginx' }));
  for (const variant of VARIANTS) contexts.push(createContext({ variant }));

  for (const ctx of contexts) {
    for (const step of USER_STEPS) out.push(step.reply(ctx));
    for (const step of ADMIN_STEPS) out.push(...(step.reply?.(ctx) ?? []));
    for (const name of Object.keys(REPLIES) as ReplyName[]) out.push(...REPLIES[name](ctx));
    out.push(...withChoices(overviewReplies(ctx), []));
    out.push(...dnsReplies(ctx, fakeDnsReport({ a: ['198.51.100.1'] })), ...dnsReplies(ctx, fakeDnsReport({ error: 'ENOTFOUND' })));
    for (const path of PROMPT_PATHS) {
      out.push(...helpReply(path, ctx), ...repromptReply(path, ctx), ...whereNowReplies(path, ctx));
      out.push(...noticeReply('watch.failed', path, ctx, { host: 'shop.example' }));
    }
  }
  const findingCauses = [...CAUSE_IDS, 'error-page', 'header-dump', 'status-502', 'sub-status'] as const;
  for (const cause of findingCauses) {
    out.push(
      ...findingReplies([
        { cause, summary: 's', line: 1, producer: 'nginx' },
        { cause, summary: 's' },
      ]),
    );
  }
  out.push(...findingReplies([{ cause: 'upstream-reset', summary: 's' }], { lines: 1000, lineChars: 2000 }, 'fr'));
  return out;
}

/** The i18n keys one reply refers to, with the names it supplies for interpolation. */
function keysIn(reply: Reply): Array<{ key: string; supplied: Set<string> }> {
  const supplied = (r: { vars?: object; keys?: object; terms?: object; lines?: object }) =>
    new Set([...Object.keys(r.vars ?? {}), ...Object.keys(r.keys ?? {}), ...Object.keys(r.terms ?? {}), ...Object.keys(r.lines ?? {})]);
  const out = [{ key: reply.key, supplied: supplied(reply) }];
  const draftLines = Object.values(reply.draft?.lines ?? {}).flat();
  if (reply.draft) out.push({ key: reply.draft.key, supplied: supplied(reply.draft) });
  for (const line of draftLines) out.push({ key: line.key, supplied: supplied(line) });
  const plain = [
    ...(reply.choices ?? []).map((c) => c.labelKey),
    ...(reply.facts ?? []).map((f) => f.labelKey),
    ...Object.values(reply.terms ?? {}).flat(),
    ...Object.values(reply.draft?.terms ?? {}).flat(),
    ...draftLines.flatMap((line) => Object.values(line.terms ?? {}).flat()),
    ...Object.values(reply.keys ?? {})
      .flat()
      .filter((id) => (KEY_IDS as readonly string[]).includes(id))
      .map((id) => `key.${id}`),
  ];
  return [...out, ...plain.map((key) => ({ key, supplied: new Set<string>() }))];
}

const placeholders = (text: string): string[] => [...text.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)].map((m) => m[1] ?? '');

describe('English strings', () => {
  const replies = allReplies();

  it('exist for every key the builders emit, with every interpolation supplied', () => {
    const missing = new Set<string>();
    const unsupplied = new Set<string>();
    for (const reply of replies) {
      for (const { key, supplied } of keysIn(reply)) {
        const text = englishText(key);
        if (text === undefined) missing.add(key);
        else for (const name of placeholders(text)) if (!supplied.has(name)) unsupplied.add(`${key}: ${name}`);
      }
    }
    expect([...missing]).toEqual([]);
    expect([...unsupplied]).toEqual([]);
    expect(replies.length).toBeGreaterThan(1000);
  });

  it('name every cause, producer, verdict, advice, layer, actor, intent, variant, fault, log hint and modifier', () => {
    const expected = [
      ...CAUSE_IDS.map((c) => `cause.${c}`),
      ...Object.keys(PRODUCER_NAMES).map((p) => `producer.${p}`),
      ...VERDICTS.map((v) => `verdict.${v}`),
      ...ADVICES.map((a) => `advice.${a}`),
      ...LAYERS.map((l) => `layer.${l}`),
      ...['site', 'provider', 'visitor'].map((a) => `actor.${a}`),
      ...INTENTS.map((i) => `choice.${i}`),
      ...VARIANTS.map(variantKey),
      ...FAULT_IDS.map((f) => `user.down.${f}`),
      ...LOG_HINT_IDS.map((h) => `admin.logs.ask.${h}`),
      ...KEY_IDS.map((k) => `key.${k}`),
      ...USER_STEPS.map((s) => `stepName.${s.id}`),
      ...ADMIN_READING_IDS.map((r) => `admin.reading.${r}`),
      'reprompt.stale',
    ];
    expect(expected.filter((k) => englishText(k) === undefined)).toEqual([]);
  });

  it('shows producer display names identical to the ones replies carry', () => {
    expect(translation.producer).toEqual(PRODUCER_NAMES);
  });

  it('contains no unused top-level sections and only string leaves', () => {
    const leaves: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node === 'string') leaves.push(path);
      else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, path ? `${path}.${k}` : k);
      else throw new Error(`non-string leaf at ${path}`);
    };
    walk(translation, '');
    expect(leaves.length).toBeGreaterThan(200);
    expect(leaves.filter((k) => k.split('.').some((part) => part === ''))).toEqual([]);
  });

  it('renders through i18next the way a channel would (keys, terms, vars)', async () => {
    const i18n = i18next.createInstance();
    await i18n.init({ lng: 'en', resources: { en: { translation } }, interpolation: { escapeValue: false } });
    // A minimal channel renderer: terms are translated and joined, key ids translated when known.
    const render = (reply: Reply): string => {
      const vars: Record<string, string | number> = { ...reply.vars };
      for (const [name, keys] of Object.entries(reply.terms ?? {})) vars[name] = keys.map((k) => i18n.t(k)).join(', ');
      for (const [name, ids] of Object.entries(reply.keys ?? {})) {
        vars[name] = ids.map((id) => (i18n.exists(`key.${id}`) ? i18n.t(`key.${id}`) : id)).join('+');
      }
      return i18n.t(reply.key, vars);
    };
    const hard = USER_STEPS.find((s) => s.id === 'hardRefresh')?.reply(createContext({ browser: 'chrome', os: 'windows' }));
    expect(hard && render(hard)).toContain('Ctrl+F5');
    expect(hard && render(hard)).toContain('Ctrl+Shift+R');
    const overview = overviewReplies(createContext({ probe: publicView(fakeCloudflareDown()) }))[0];
    expect(overview && render(overview)).toContain('HTTP 502 (down)');
  });
});
