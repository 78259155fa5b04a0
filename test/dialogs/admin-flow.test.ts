import type { Finding } from '../../src/contracts';
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

const nginxDown = fakeProbeResult({
  verdict: 'down',
  advice: 'admin_check',
  httpStatus: 502,
  producer: 'nginx',
  timings: { dnsMs: 2, connectMs: 4, tlsMs: 9, ttfbMs: 30, totalMs: 45 },
  evidence: [
    { kind: 'dns', addresses: ['203.0.113.10'] },
    { kind: 'tls', ok: true, daysToExpiry: 5 },
    { kind: 'producer', producer: 'nginx', layer: 'reverse-proxy', actor: 'site' },
    { kind: 'request-id', name: 'x-request-id', value: 'r-1' },
  ],
});

const refusedLog: Finding = { line: 3, producer: 'nginx', cause: 'upstream-refused', summary: 'connect() failed (111)' };

describe('administrator flow', () => {
  it('starts with the overview of the probe when the first message says they run the site', async () => {
    const { convo, replies } = await withVisitorAt([nginxDown], { intents: ['admin'] });
    expect(convo.path()).toBe('admin.overview');
    expect(keysOf(replies)).toEqual([
      'probing.checking',
      'admin.overview.http',
      'admin.reading.down',
      'admin.overview.producer',
      'admin.overview.tlsExpiring',
    ]);
    const [, http, , producer, tls] = replies;
    expect(http?.vars).toEqual({ host: 'shop.example', status: 502 });
    // The administrator's reading replaces the visitor's advice ("wait for a fix").
    expect(http?.terms).toEqual({ verdict: ['verdict.down'] });
    expect(http?.facts?.map((f) => f.labelKey)).toEqual([
      'fact.checkedAt',
      'fact.status',
      'fact.producer',
      'fact.dnsMs',
      'fact.connectMs',
      'fact.tlsMs',
      'fact.ttfbMs',
      'fact.totalMs',
      'fact.tlsDaysToExpiry',
      'fact.requestId',
    ]);
    expect(producer?.terms).toEqual({ layer: ['layer.reverse-proxy'], actor: ['actor.site'] });
    expect(tls?.vars).toEqual({ days: 5 });
    expect(choicesOf(replies)).toEqual(['no', 'yes', 'recheck']);
  });

  it('goes through every check in order, with a DNS lookup and pasted logs', async () => {
    const { convo } = await withVisitorAt([nginxDown], { intents: ['admin'] }, { dns: [fakeDnsReport({ a: ['198.51.100.7'] })] });
    expect(keysOf(await convo.answer('no'))).toEqual(['admin.maintenance.check']);
    expect(convo.path()).toBe('admin.maintenance');

    const dns = await convo.answer('no');
    expect(convo.dnsInputs).toEqual([{ host: 'shop.example' }]);
    expect(keysOf(dns)).toEqual(['admin.dns.looking', 'admin.dns.report', 'admin.dns.mismatch', 'admin.dns.propagation']);
    expect(dns[1]?.facts).toEqual([
      { labelKey: 'fact.dnsA', value: '198.51.100.7' },
      { labelKey: 'fact.dnsAaaa', value: '-' },
      { labelKey: 'fact.dnsCname', value: '-' },
      { labelKey: 'fact.dnsNs', value: 'ns1.dns.example' },
    ]);
    expect(dns[2]?.vars).toEqual({ probed: '203.0.113.10', current: '198.51.100.7' });
    expect(convo.path()).toBe('admin.dns');

    expect(keysOf(await convo.answer('no'))).toEqual(['admin.logs.ask.nginx']);
    expect(convo.path()).toBe('admin.logs');
    const explained = await convo.say('2024/05/01 [error] connect() failed (111: Connection refused)', { findings: [refusedLog] });
    expect(keysOf(explained)).toEqual(['findings.intro', 'cause.upstream-refused', 'admin.logs.explained']);
    expect(explained[1]?.facts).toEqual([
      { labelKey: 'fact.line', value: '3' },
      { labelKey: 'fact.producer', value: 'nginx' },
      { labelKey: 'fact.detail', value: 'connect() failed (111)' },
    ]);
    expect(convo.context().cause).toBe('upstream-refused');
    expect(convo.path()).toBe('admin.logs');

    expect(keysOf(await convo.answer('no'))).toEqual(['admin.firewall.direct']);
    const app = await convo.answer('skip');
    expect(keysOf(app)).toEqual(['admin.app.knownCause']);
    expect(app[0]?.terms).toEqual({ cause: ['cause.upstream-refused'] });
    const host = await convo.answer('no');
    expect(convo.path()).toBe('admin.host');
    expect(host[0]?.draft?.key).toBe('draft.host');
    expect(host[0]?.draft?.vars).toEqual({ url: 'https://shop.example/' });
    expect(host[0]?.draft?.lines?.evidence?.map((line) => line.key)).toEqual([
      'draftLine.checkedAt',
      'draftLine.status',
      'draftLine.producer',
      'draftLine.requestIds',
      'draftLine.timings',
      'draftLine.causes',
    ]);
    expect(host[0]?.draft?.lines?.evidence).toEqual(
      expect.arrayContaining([
        { key: 'draftLine.status', vars: { status: 502 }, terms: { verdict: ['verdict.down'] } },
        { key: 'draftLine.producer', vars: { producer: 'nginx' } },
        { key: 'draftLine.requestIds', vars: { requestIds: 'x-request-id: r-1' } },
        { key: 'draftLine.causes', terms: { causes: ['cause.upstream-refused'] } },
      ]),
    );
    expect(keysOf(await convo.answer('no'))).toEqual(['admin.done']);
    expect(convo.path()).toBe('admin.done');
    expect(convo.context().stepsTried.map((s) => s.step)).toEqual([
      'admin.overview',
      'admin.maintenance',
      'admin.dns',
      'admin.logs',
      'admin.firewall',
      'admin.app',
      'admin.host',
    ]);
  });

  it('ends the checklist when the administrator found it', async () => {
    const { convo } = await withVisitorAt([nginxDown], { intents: ['admin'] });
    await convo.answer('no');
    expect(keysOf(await convo.answer('yes'))).toEqual(['admin.done']);
    expect(convo.context().stepsTried).toEqual([
      { step: 'admin.overview', answer: 'no' },
      { step: 'admin.maintenance', answer: 'yes' },
    ]);
  });

  it('reports a failed, slow or repeated DNS lookup without getting stuck', async () => {
    const { convo } = await withVisitorAt(
      [nginxDown],
      { intents: ['admin'] },
      { dns: [{ fail: 'SERVFAIL' }, 'hang', fakeDnsReport({ error: 'ENOTFOUND' })] },
    );
    await convo.answer('no');
    expect(keysOf(await convo.answer('no'))).toEqual(['admin.dns.looking', 'error.dnsFailed']);
    expect(convo.path()).toBe('admin.dns');
    await convo.send({ type: 'user.message', text: 'look again', intents: ['recheck'] }, { settle: false });
    expect(convo.path()).toBe('admin.dnsLookup');
    expect(keysOf(await convo.send({ type: 'turn.timeout' }))).toEqual(['admin.dns.slow']);
    expect(convo.path()).toBe('admin.dns');
    const failed = await convo.answer('recheck');
    expect(keysOf(failed)).toEqual(['admin.dns.looking', 'admin.dns.failed']);
    expect(failed[1]?.vars).toEqual({ host: 'shop.example', code: 'ENOTFOUND' });
  });

  it('explains a cause from an IIS sub-status and the 502.1 timeout', async () => {
    const iis = fakeProbeResult({
      verdict: 'down',
      advice: 'admin_check',
      httpStatus: 502,
      producer: 'iis',
      evidence: [
        { kind: 'producer', producer: 'iis', layer: 'app-server', actor: 'site' },
        { kind: 'sub-status', code: '502.1', cause: 'upstream-timeout' },
      ],
    });
    const { convo, replies } = await withVisitorAt([iis], { intents: ['admin'], variant: 'iis-502.1' });
    expect(convo.path()).toBe('admin.overview');
    expect(keysOf(replies)).toEqual([
      'probing.checking',
      'admin.overview.http',
      'admin.reading.down',
      'admin.overview.producer',
      'admin.overview.subStatusCause',
      'admin.overview.cgiTimeout',
    ]);
    expect(replies[4]?.vars).toEqual({ code: '502.1' });
    expect(replies[4]?.terms).toEqual({ cause: ['cause.upstream-timeout'] });
    expect(convo.context().cause).toBe('upstream-timeout');
  });

  it('asks for the URL when the administrator has not named one, then overviews', async () => {
    const convo = createConversation({ probes: [nginxDown] });
    expect(keysOf(await convo.answer('admin'))).toEqual(['askUrl.admin']);
    await convo.say('shop.example', { url: 'https://shop.example/' });
    expect(convo.path()).toBe('admin.overview');
  });

  it('explains pasted logs first, then asks for the URL, and treats the person as an administrator', async () => {
    const convo = createConversation({ probes: [nginxDown] });
    const replies = await convo.say('upstream prematurely closed connection', {
      findings: [{ cause: 'upstream-reset', summary: 'reset' }],
    });
    expect(keysOf(replies)).toEqual(['findings.intro', 'cause.upstream-reset', 'askUrl.admin']);
    expect(convo.context().role).toBe('admin');
    await convo.say('shop.example', { url: 'https://shop.example/' });
    expect(convo.path()).toBe('admin.overview');
  });

  it('moves a visitor who pastes server logs into the logs step of the admin flow', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()]);
    const replies = await convo.say('pasted log', { findings: [refusedLog] });
    expect(convo.path()).toBe('admin.logs');
    expect(keysOf(replies)).toEqual(['findings.intro', 'cause.upstream-refused', 'admin.logs.explained']);
  });

  it('says under the findings that only part of a long paste was read, in numbers the reader writes', async () => {
    const convo = createConversation({ probes: [nginxDown], input: { locale: 'de' } });
    const replies = await convo.say('pasted log', { findings: [refusedLog], findingsTruncated: { lines: 1000 } });
    expect(keysOf(replies)).toEqual(['findings.intro', 'cause.upstream-refused', 'findings.truncated', 'askUrl.admin']);
    expect(replies[2]?.vars).toEqual({ lines: '1.000', chars: '20.000', lineChars: '2.000' });
  });

  it('adds no note when the whole paste was read', async () => {
    const convo = createConversation({ probes: [nginxDown] });
    const replies = await convo.say('pasted log', { findings: [refusedLog] });
    expect(keysOf(replies)).not.toContain('findings.truncated');
  });

  it('keeps a pasted error page as evidence for a visitor', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()]);
    const replies = await convo.say('<html>cloudflare</html>', {
      findings: [{ cause: 'error-page', producer: 'cloudflare', summary: 'page' }],
    });
    expect(keysOf(replies)).toEqual(['findings.intro', 'finding.error-page.known']);
    expect(replies[1]?.vars).toEqual({ producer: 'Cloudflare' });
    expect(convo.context().pastedProducer).toBe('cloudflare');
    expect(convo.context().role).toBeUndefined();
    expect(convo.path()).toBe('user.step.reload');
  });

  it('apologises when the probe fails and still lets the administrator go on', async () => {
    const { convo, replies } = await withVisitorAt([{ fail: 'x' }], { intents: ['admin'] });
    expect(convo.path()).toBe('admin.checkFailed');
    expect(choicesOf(replies)).toEqual(['recheck', 'no']);
    expect(keysOf(await convo.answer('no'))).toEqual(['admin.maintenance.check']);
  });

  it('times out into admin.stillChecking', async () => {
    const convo = createConversation({ probes: ['hang'] });
    await convo.send(
      { type: 'user.message', text: 'I run shop.example', intents: ['admin'], url: 'https://shop.example/' },
      { settle: false },
    );
    await convo.send({ type: 'turn.timeout' });
    expect(convo.path()).toBe('admin.stillChecking');
  });

  it('reports a failed connection (not refused) in the maintenance step', async () => {
    const reset = fakeProbeResult({
      verdict: 'timeout',
      advice: 'admin_check',
      httpStatus: undefined,
      evidence: [{ kind: 'connect', address: '203.0.113.10', port: 443, ok: false, code: 'ETIMEDOUT' }],
    });
    const { convo, replies } = await withVisitorAt([reset], { intents: ['admin'] });
    expect(replies[1]?.key).toBe('admin.overview.noResponse');
    const m = await convo.answer('no');
    expect(m[0]?.key).toBe('admin.maintenance.connectFailed');
    expect(m[0]?.vars).toEqual({ address: '203.0.113.10', port: 443, code: 'ETIMEDOUT' });
  });

  it('asks behind a CDN to allow its ranges in the firewall', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()], { intents: ['admin'] }, { dns: [fakeDnsReport()] });
    expect(keysOf((await convo.answer('no')).slice(-1))).toEqual(['admin.maintenance.check']);
    await convo.answer('no');
    expect(keysOf(await convo.answer('skip'))).toEqual(['admin.logs.ask.cdn']);
    const fw = await convo.answer('skip');
    expect(fw[0]).toMatchObject({ key: 'admin.firewall.proxied', vars: { producer: 'Cloudflare' } });
  });
});
