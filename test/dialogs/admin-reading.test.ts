/**
 * The administrator's reading: what a result means for the person who has to fix it (never the visitor's
 * "wait for a fix"), DNS checks only for names, the chat's explanation of a log line as specific as
 * `npm run explain` (the same sentence, from the same tables), and ready-to-send messages that leave out
 * what is unknown.
 */
import { ADMIN_READING_IDS, adminReadingOf, overviewReplies } from '../../dialogs/admin-steps';
import { createInitialContext, hostNameOf, isIpAddressHost } from '../../dialogs/context';
import { contactSiteDraft, hostDraft } from '../../dialogs/drafts';
import { MAX_DETAIL_CHARS } from '../../dialogs/replies';
import { nextUserStep } from '../../dialogs/user-steps';
import type { ProbeResult, Verdict } from '../../src/contracts';
import { explainText } from '../../src/probe/explain';
import { publicView } from '../../src/probe/public-view';
import {
  choicesOf,
  createConversation,
  englishText,
  fakeCloudflareDown,
  fakeDnsReport,
  fakeProbeResult,
  keysOf,
  seenTranslationKeys,
  withVisitorAt,
} from './create-conversation';

afterAll(() => {
  expect([...seenTranslationKeys()].filter((k) => englishText(k) === undefined)).toEqual([]);
});

describe("the administrator's reading", () => {
  it.each<[string, Partial<ProbeResult>, string]>([
    ['up', { verdict: 'up', advice: 'troubleshoot', httpStatus: 200 }, 'up'],
    ['slow', { verdict: 'degraded', advice: 'troubleshoot', httpStatus: 200 }, 'slow'],
    ['failed, then answered', { verdict: 'degraded', advice: 'admin_check', httpStatus: 200 }, 'flapping'],
    ['429 from the site', { verdict: 'degraded', advice: 'wait', httpStatus: 429 }, 'rateLimited'],
    ['502 for everyone', { verdict: 'down', advice: 'wait', httpStatus: 502 }, 'down'],
    ['no connection', { verdict: 'down', advice: 'wait', httpStatus: undefined }, 'noConnection'],
    ['a name that does not exist', { verdict: 'dns_error', advice: 'contact_site', httpStatus: undefined }, 'dnsMissing'],
    ['name servers failing', { verdict: 'dns_error', advice: 'wait', httpStatus: undefined }, 'dnsFailing'],
    ['a broken certificate', { verdict: 'tls_error', advice: 'contact_site', httpStatus: undefined }, 'tls'],
    ['no answer in time', { verdict: 'timeout', advice: 'wait', httpStatus: undefined }, 'timeout'],
  ])('reads %s as admin.reading.%s', (_name, probe, reading) => {
    expect(adminReadingOf(fakeProbeResult(probe))).toBe(reading);
    expect(englishText(`admin.reading.${reading}`)).toBeDefined();
  });

  it('reads a verdict it does not know yet (another engineer may add one) generically rather than failing', () => {
    // A verdict outside today's list, as a newer probe could report it.
    const future = fakeProbeResult({ verdict: 'rate_limited' as Verdict });
    expect(adminReadingOf(future)).toBe('generic');
    expect(ADMIN_READING_IDS).toContain('generic');
  });

  it('replaces the visitor advice in the overview', async () => {
    const { replies } = await withVisitorAt([fakeCloudflareDown()], { intents: ['admin'] });
    const overview = replies.filter((r) => r.key.startsWith('admin.'));
    expect(keysOf(overview).slice(0, 2)).toEqual(['admin.overview.http', 'admin.reading.down']);
    const terms = overview.flatMap((r) => Object.values(r.terms ?? {}).flat());
    expect(terms.filter((t) => t.startsWith('advice.'))).toEqual([]);
    expect(englishText('admin.overview.http')).not.toMatch(/advice/i);
  });

  it('has a sentence for every reading and no overview without one', () => {
    for (const id of ADMIN_READING_IDS) expect(englishText(`admin.reading.${id}`)).toBeDefined();
    const ctx = { ...createInitialContext(), url: 'https://shop.example/', host: 'shop.example', role: 'admin' as const };
    for (const verdict of ['up', 'down', 'degraded', 'dns_error', 'tls_error', 'timeout'] as const) {
      const lines = overviewReplies({ ...ctx, probe: publicView(fakeProbeResult({ verdict })) });
      expect(lines.filter((l) => l.key.startsWith('admin.reading.'))).toHaveLength(1);
    }
  });
});

describe('DNS checks only for names', () => {
  it('recognises IP addresses the way URLs spell them', () => {
    expect(hostNameOf('http://127.1:4302/')).toBe('127.0.0.1');
    expect(isIpAddressHost(hostNameOf('http://127.1:4302/'))).toBe(true);
    expect(isIpAddressHost(hostNameOf('http://[2001:db8::1]:8080/'))).toBe(true);
    expect(isIpAddressHost(hostNameOf('https://shop.example/'))).toBe(false);
    expect(isIpAddressHost(hostNameOf('https://1.2.3.4.example/'))).toBe(false);
  });

  it('skips the lookup for a site on an IP address and says why', async () => {
    const down = fakeProbeResult({ verdict: 'down', advice: 'wait', httpStatus: 502 });
    const convo = createConversation({ probes: [down], dns: [fakeDnsReport()] });
    const overview = await convo.say('I run 203.0.113.7', { url: 'http://203.0.113.7/', intents: ['admin'] });
    const facts = overview.flatMap((r) => (r.facts ?? []).map((f) => f.labelKey));
    expect(facts).toContain('fact.connectMs');
    expect(facts).not.toContain('fact.dnsMs');
    await convo.answer('no');
    expect(convo.path()).toBe('admin.maintenance');
    const replies = await convo.answer('no');
    expect(keysOf(replies)).toEqual(['admin.dns.notApplicable', 'admin.logs.ask.generic']);
    expect(replies[0]?.vars).toEqual({ host: '203.0.113.7' });
    expect(convo.dnsInputs).toEqual([]);
    expect(convo.path()).toBe('admin.logs');
    expect(choicesOf(replies)).toEqual(['yes', 'no', 'skip']);
  });

  it('still looks a name up', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()], { intents: ['admin'] }, { dns: [fakeDnsReport()] });
    await convo.answer('no');
    expect(keysOf(await convo.answer('no'))[0]).toBe('admin.dns.looking');
    expect(convo.dnsInputs).toEqual([{ host: 'shop.example' }]);
  });

  it('does not tell a visitor of an IP-address site to change DNS servers', () => {
    const before = ['reload', 'hardRefresh', 'restartBrowser', 'clearCache', 'clearCookies', 'privateWindow', 'otherBrowser'];
    const tried = [...before, 'restartComputer', 'restartNetwork'].map((step) => ({ step, answer: 'no' as const }));
    const named = { ...createInitialContext(), url: 'https://shop.example/', host: 'shop.example', stepsTried: tried };
    expect(nextUserStep(named)).toBe('changeDns');
    expect(nextUserStep({ ...named, url: 'http://203.0.113.7/', host: '203.0.113.7' })).toBe('contactSite');
  });
});

describe("the chat's explanation of a log line is the one `npm run explain` gives", () => {
  const PASTES: Array<[string, string, string]> = [
    [
      'nginx: upstream sent too big header',
      '2024/05/01 10:02:03 [error] 1234#0: *5 upstream sent too big header while reading response header from upstream, client: 203.0.113.9, server: shop.example, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:8080/"',
      'proxy_buffer_size',
    ],
    [
      'nginx: the PHP-FPM socket is not ours to open',
      '2024/05/01 10:02:03 [crit] 1234#0: *5 connect() to unix:/run/php/php8.2-fpm.sock failed (13: Permission denied) while connecting to upstream',
      'listen.owner',
    ],
    [
      'IIS with ARR: WinHTTP 12002',
      '#Fields: date time cs-uri-stem sc-status sc-substatus sc-win32-status\n2024-05-01 12:00:01 /checkout 502 3 12002',
      '12002',
    ],
    [
      'HAProxy: the server hung up (SH--)',
      'Oct 21 10:02:03 lb haproxy[123]: 203.0.113.9:51234 [21/Oct/2024:10:02:03.123] www app/web1 0/0/0/-1/30001 502 0 - - SH-- 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
      'SH--',
    ],
  ];

  it.each(PASTES)('%s', async (_name, paste, named) => {
    const findings = explainText(paste);
    const summary = findings[0]?.summary ?? '';
    expect(summary).toContain(named);
    const { convo } = await withVisitorAt([fakeCloudflareDown()], { intents: ['admin'] }, { dns: [fakeDnsReport()] });
    await convo.answer('no');
    await convo.answer('no');
    await convo.answer('no');
    expect(convo.path()).toBe('admin.logs');
    const replies = await convo.say(paste, { findings });
    const explained = replies.find((r) => r.key.startsWith('cause.') || r.key.startsWith('finding.'));
    // The general cause in the person's language, and the tables' own sentence that names the setting.
    expect(explained?.facts).toContainEqual({ labelKey: 'fact.detail', value: summary });
  });
});

describe('a long explanation', () => {
  it('is cut to a bounded length, never inside a character', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()], { intents: ['admin'] });
    const summary = `${'a'.repeat(MAX_DETAIL_CHARS - 2)}😀 and more`;
    const replies = await convo.say('log', { findings: [{ cause: 'upstream-reset', summary }] });
    const detail = replies.flatMap((r) => r.facts ?? []).find((f) => f.labelKey === 'fact.detail')?.value ?? '';
    expect(detail.length).toBeLessThanOrEqual(MAX_DETAIL_CHARS);
    expect(detail.endsWith('…')).toBe(true);
    expect(detail).not.toMatch(/[\uD800-\uDBFF]…$/);
  });
});

describe('ready-to-send messages leave out what is unknown', () => {
  const base = { ...createInitialContext(), url: 'https://shop.example/', host: 'shop.example' };

  it('quotes no producer, request id or steps line when there are none', () => {
    const draft = contactSiteDraft({ ...base, probe: publicView(fakeProbeResult({ verdict: 'down', advice: 'wait', httpStatus: 502 })) });
    expect(draft.lines?.evidence?.map((l) => l.key)).toEqual(['draftLine.checkedAt', 'draftLine.status']);
  });

  it('reads a result without an HTTP answer as a verdict, and a probe without a first byte as a total time', () => {
    const timeout = fakeProbeResult({ verdict: 'timeout', advice: 'wait', httpStatus: undefined, timings: { totalMs: 8000 } });
    const draft = hostDraft({ ...base, role: 'admin', probe: publicView(timeout) });
    expect(draft.lines?.evidence).toEqual([
      { key: 'draftLine.checkedAt', vars: { time: '2024-05-01 10:02 UTC' } },
      { key: 'draftLine.verdict', terms: { verdict: ['verdict.timeout'] } },
      { key: 'draftLine.total', vars: { totalMs: 8000 } },
    ]);
  });

  it('names the producer of a pasted error page when the probe saw none', () => {
    const draft = contactSiteDraft({ ...base, pastedProducer: 'nginx', probe: publicView(fakeProbeResult()) });
    expect(draft.lines?.evidence).toContainEqual({ key: 'draftLine.producer', vars: { producer: 'nginx' } });
  });
});
