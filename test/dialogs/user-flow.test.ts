import { createInitialContext } from '../../dialogs/context';
import { publicView } from '../../src/probe/public-view';
import { nextUserStep, USER_STEP_IDS } from '../../dialogs/user-steps';
import {
  choicesOf,
  createConversation,
  englishText,
  fakeCloudflareDown,
  fakeProbeResult,
  keysOf,
  seenTranslationKeys,
  withVisitorAt,
} from './create-conversation';

afterAll(() => {
  expect([...seenTranslationKeys()].filter((k) => englishText(k) === undefined)).toEqual([]);
});

describe('first message', () => {
  it('probes at once when the first message names a URL, and offers "I run this site" with the verdict', async () => {
    const { convo, replies } = await withVisitorAt([fakeProbeResult()], { browser: 'chrome', os: 'windows' });
    expect(convo.probeInputs).toEqual([{ url: 'https://shop.example/' }]);
    expect(keysOf(replies)).toEqual(['probing.checking', 'user.up', 'step.reload.keysAlt']);
    expect(replies[1]?.choices?.map((c) => c.intent)).toEqual(['admin']);
    expect(convo.path()).toBe('user.step.reload');
    expect(convo.context().role).toBeUndefined();
  });

  it('greets on conversation start and asks for the URL when the message has none', async () => {
    const convo = createConversation({ probes: [fakeProbeResult()] });
    expect(keysOf(await convo.send({ type: 'conversation.start' }))).toEqual(['greeting.hello']);
    expect(convo.path()).toBe('greeting');
    expect(keysOf(await convo.say('my shop is broken'))).toEqual(['askUrl.visitor']);
    expect(convo.path()).toBe('askUrl');
    expect(convo.probeInputs).toHaveLength(0);
  });

  it('acknowledges a variant without a URL and asks for the URL', async () => {
    const convo = createConversation({ probes: [fakeProbeResult()] });
    const replies = await convo.say('Temporary Error (502)', { variant: 'temporary-error' });
    expect(keysOf(replies)).toEqual(['variant.temporary-error', 'askUrl.visitor']);
    expect(convo.path()).toBe('askUrl');
    expect(convo.context().variant).toBe('temporary-error');
  });

  it('passes the requester given as input to the probe', async () => {
    const convo = createConversation({ probes: [fakeProbeResult()], input: { requester: 'user-42', locale: 'de' } });
    await convo.say('check shop.example', { url: 'https://shop.example/' });
    expect(convo.probeInputs).toEqual([{ url: 'https://shop.example/', requester: 'user-42' }]);
    expect(convo.context().locale).toBe('de');
  });

  it('asks again for an invalid URL', async () => {
    const { convo, replies } = await withVisitorAt([
      fakeProbeResult({ verdict: 'invalid', advice: 'troubleshoot', httpStatus: undefined }),
    ]);
    expect(keysOf(replies)).toEqual(['probing.checking', 'askUrl.invalid', 'askUrl.visitor']);
    expect(replies[1]?.vars).toEqual({ url: 'https://shop.example/' });
    expect(convo.path()).toBe('askUrl');
  });
});

describe('down for everyone', () => {
  it('names the site behind a branded Cloudflare page, quotes the ray id and stops suggesting fixes', async () => {
    const { convo, replies } = await withVisitorAt([fakeCloudflareDown(true)]);
    const down = replies.at(-1);
    expect(convo.path()).toBe('user.down');
    expect(down?.key).toBe('user.down.behindCdn');
    expect(down?.vars).toEqual({ host: 'shop.example', producer: 'Cloudflare' });
    expect(down?.facts).toContainEqual({ labelKey: 'fact.requestId', value: 'cf-ray: 8a1b2c3d4e5f-AMS' });
    expect(down?.facts).toContainEqual({ labelKey: 'fact.status', value: '502' });
    expect(choicesOf(replies)).toEqual(['watch', 'recheck', 'human', 'stop', 'admin']);
    expect(keysOf(replies).some((k) => k.startsWith('step.'))).toBe(false);
  });

  it('blames Cloudflare itself for its plain error page', async () => {
    const { replies } = await withVisitorAt([fakeCloudflareDown(false)]);
    expect(replies.at(-1)?.key).toBe('user.down.cdnItself');
  });

  it.each([
    ['timeout', fakeProbeResult({ verdict: 'timeout', advice: 'wait', httpStatus: undefined }), 'user.down.unresponsive'],
    ['dns_error', fakeProbeResult({ verdict: 'dns_error', advice: 'wait', httpStatus: undefined }), 'user.down.dns'],
    ['tls_error', fakeProbeResult({ verdict: 'tls_error', advice: 'contact_site', httpStatus: undefined }), 'user.down.certificate'],
    [
      'degraded with a 5xx behind an ALB',
      fakeProbeResult({
        verdict: 'degraded',
        advice: 'wait',
        httpStatus: 502,
        producer: 'aws-alb',
        evidence: [{ kind: 'producer', producer: 'aws-alb', layer: 'load-balancer', actor: 'site' }],
      }),
      'user.down.behindLoadBalancer',
    ],
    ['down without a producer', fakeProbeResult({ verdict: 'down', advice: 'wait', httpStatus: 502 }), 'user.down.site'],
  ])('treats %s as down for everyone', async (_name, probe, key) => {
    const { convo, replies } = await withVisitorAt([probe]);
    expect(convo.path()).toBe('user.down');
    expect(replies.at(-1)?.key).toBe(key);
  });

  it('re-probes on recheck and starts the steps once the site is back', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown(), fakeProbeResult()]);
    const replies = await convo.answer('recheck');
    expect(keysOf(replies)).toEqual(['probing.checking', 'user.up', 'step.reload.generic']);
    expect(convo.probeInputs).toHaveLength(2);
    expect(convo.context().probeHistory.map((p) => p.verdict)).toEqual(['down', 'up']);
    // The role was offered with the first verdict only.
    expect(replies[1]?.choices).toBeUndefined();
  });

  it('emits a watch request and waits', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()]);
    const replies = await convo.answer('watch');
    expect(convo.emitted).toContainEqual({ type: 'watch', url: 'https://shop.example/' });
    expect(keysOf(replies)).toEqual(['watch.confirmed']);
    expect(convo.path()).toBe('user.waiting');
    expect(convo.context().watchRequested).toBe(true);
  });
});

describe('blocked and refused look the same', () => {
  const blocked = fakeProbeResult({
    verdict: 'blocked',
    advice: 'troubleshoot',
    httpStatus: undefined,
    evidence: [{ kind: 'refused', reason: 'address' }],
  });
  const refused = fakeProbeResult({
    verdict: 'down',
    advice: 'wait',
    httpStatus: undefined,
    evidence: [{ kind: 'connect', address: '203.0.113.10', port: 443, ok: false, code: 'ECONNREFUSED' }],
  });

  it('gives the same reply, vars and choices for both', async () => {
    const a = await withVisitorAt([blocked]);
    const b = await withVisitorAt([refused]);
    expect(a.convo.path()).toBe('user.unreachable');
    expect(b.convo.path()).toBe('user.unreachable');
    expect(a.replies).toEqual(b.replies);
    expect(a.replies.at(-1)?.key).toBe('user.unreachable');
  });

  it('offers the steps anyway', async () => {
    const { convo } = await withVisitorAt([blocked]);
    expect(keysOf(await convo.answer('yes'))).toEqual(['step.reload.generic']);
    expect(convo.path()).toBe('user.step.reload');
  });

  it('looks the same in the administrator overview too', async () => {
    const a = await withVisitorAt([blocked], { intents: ['admin'] });
    const b = await withVisitorAt([refused], { intents: ['admin'] });
    expect(a.convo.path()).toBe('admin.overview');
    expect(a.replies).toEqual(b.replies);
    expect(keysOf(await a.convo.answer('no'))).toEqual(keysOf(await b.convo.answer('no')));
  });
});

describe('our own probe limits', () => {
  const limited = fakeProbeResult({
    verdict: 'rate_limited',
    advice: 'wait',
    httpStatus: undefined,
    evidence: [{ kind: 'refused', reason: 'rate-limited' }],
  });

  it('says the check was paused instead of calling the site unreachable', async () => {
    const { convo, replies } = await withVisitorAt([limited]);
    expect(convo.path()).toBe('user.limited');
    expect(replies.at(-1)?.key).toBe('error.rateLimited');
    expect(replies.at(-1)?.choices?.map((c) => c.intent)).toContain('recheck');
  });

  it('checks again on request once the limit has passed', async () => {
    const { convo } = await withVisitorAt([limited, fakeProbeResult()]);
    const replies = await convo.answer('recheck');
    expect(keysOf(replies)).toContain('user.up');
  });
});

describe('visitor steps', () => {
  it('walks every step in order on a desktop, re-checking after cookies and network, then drafts and "later"', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()], { browser: 'firefox', os: 'windows' });
    const visited = [convo.path()];
    const probesAfter: Record<string, number> = {};
    while (convo.path() !== 'user.later') {
      const before = convo.probeInputs.length;
      const from = convo.path();
      await convo.answer('no');
      probesAfter[from] = convo.probeInputs.length - before;
      visited.push(convo.path());
    }
    expect(visited).toEqual([
      ...USER_STEP_IDS.filter((id) => id !== 'contactSite' && id !== 'contactIsp').map((id) => `user.step.${id}`),
      'user.contactSite',
      'user.contactIsp',
      'user.later',
    ]);
    expect(
      Object.entries(probesAfter)
        .filter(([, n]) => n > 0)
        .map(([from]) => from),
    ).toEqual(['user.step.clearCookies', 'user.step.restartNetwork']);
    expect(convo.context().stepsTried.map((s) => s.answer)).toEqual(Array(12).fill('no'));
  });

  it('tailors shortcuts to browser and OS', async () => {
    const { convo, replies } = await withVisitorAt([fakeProbeResult()], { browser: 'safari', os: 'macos' });
    expect(replies.at(-1)?.keys).toEqual({ shortcut: ['cmd', 'R'] });
    expect(keysOf(await convo.answer('no'))).toEqual(['step.hardRefresh.keys']);
    const hard = convo.emitted.at(-1);
    expect(hard?.type === 'reply' && hard.reply.keys).toEqual({ shortcut: ['cmd', 'option', 'R'] });
    await convo.answer('no'); // restart browser
    const cache = await convo.answer('no');
    expect(cache[0]?.keys).toEqual({ shortcut: ['cmd', 'option', 'E'] });
  });

  it('uses a private window shortcut per browser', async () => {
    const firefox = await withVisitorAt([fakeProbeResult()], { browser: 'firefox', os: 'linux' });
    const chrome = await withVisitorAt([fakeProbeResult()], { browser: 'chrome', os: 'linux' });
    for (const { convo } of [firefox, chrome]) {
      while (convo.path() !== 'user.step.privateWindow') await convo.answer('skip');
    }
    const last = (c: typeof firefox.convo) => {
      const e = c.emitted.at(-1);
      return e?.type === 'reply' ? e.reply.keys : undefined;
    };
    expect(last(firefox.convo)).toEqual({ shortcut: ['ctrl', 'shift', 'P'] });
    expect(last(chrome.convo)).toEqual({ shortcut: ['ctrl', 'shift', 'N'] });
  });

  it('skips keyboard and safe-mode steps on iOS and says "device"', async () => {
    const { convo, replies } = await withVisitorAt([fakeProbeResult()], { browser: 'safari', os: 'ios' });
    expect(replies.at(-1)?.key).toBe('step.reload.touch');
    const seen: string[] = [];
    const keys: string[] = [];
    while (convo.path() !== 'user.later') {
      seen.push(convo.path());
      keys.push(...keysOf(await convo.answer('skip')));
    }
    expect(seen).not.toContain('user.step.hardRefresh');
    expect(seen).not.toContain('user.step.privateWindow');
    expect(keys).toContain('step.restartComputer.device');
    expect(keys).toContain('step.clearCache.ios');
    const other = convo.emitted.find((e) => e.type === 'reply' && e.reply.key === 'step.otherBrowser.named');
    expect(other?.type === 'reply' && other.reply.vars).toEqual({ current: 'Safari', other: 'Google Chrome' });
  });

  it('keeps the private window step on Android, as a touch reply', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()], { browser: 'chrome', os: 'android' });
    const keys: string[] = [];
    while (convo.path() !== 'user.later') keys.push(...keysOf(await convo.answer('skip')));
    expect(keys).toContain('step.privateWindow.touch');
    expect(keys).not.toContain('step.hardRefresh.keys');
  });

  it("skips the DNS change when the site's own DNS fails", () => {
    const allButDns = USER_STEP_IDS.slice(0, USER_STEP_IDS.indexOf('changeDns')).map((step) => ({ step, answer: 'no' as const }));
    const ctx = { ...createInitialContext(), stepsTried: allButDns };
    expect(nextUserStep({ ...ctx, probe: publicView(fakeProbeResult({ verdict: 'dns_error', httpStatus: undefined })) })).toBe(
      'contactSite',
    );
    expect(nextUserStep({ ...ctx, probe: publicView(fakeProbeResult()) })).toBe('changeDns');
  });

  it('turns into "down" when the re-check after clearing cookies finds the site down', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult(), fakeCloudflareDown()], { browser: 'edge', os: 'windows' });
    while (convo.path() !== 'user.step.clearCookies') await convo.answer('no');
    const replies = await convo.answer('no');
    expect(keysOf(replies)).toEqual(['recheck.checking', 'recheck.nowDown', 'user.down.behindCdn']);
    expect(convo.path()).toBe('user.down');
    // The role offer was already made with the first verdict.
    expect(choicesOf(replies)).toEqual(['watch', 'recheck', 'human', 'stop']);
  });

  it('does not re-check after a skipped cookie step', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()]);
    while (convo.path() !== 'user.step.clearCookies') await convo.answer('no');
    await convo.answer('skip');
    expect(convo.probeInputs).toHaveLength(1);
    expect(convo.path()).toBe('user.step.privateWindow');
  });

  it('carries on with the steps when the re-check fails', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult(), { fail: 'boom' }]);
    while (convo.path() !== 'user.step.clearCookies') await convo.answer('no');
    expect(keysOf(await convo.answer('no'))).toEqual(['recheck.checking', 'error.recheckFailed', 'step.privateWindow.generic']);
  });

  it('ends in "fixed" on yes and offers to start over', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()]);
    await convo.answer('no');
    const replies = await convo.answer('yes');
    expect(keysOf(replies)).toEqual(['user.fixed', 'crowd.feedback.ask']);
    expect(choicesOf(replies)).toEqual(['yes', 'no', 'restart', 'stop']);
    expect(convo.context().stepsTried).toEqual([
      { step: 'reload', answer: 'no' },
      { step: 'hardRefresh', answer: 'yes' },
    ]);
  });

  it('goes back one step', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()]);
    await convo.answer('no');
    await convo.answer('no');
    expect(convo.path()).toBe('user.step.restartBrowser');
    await convo.answer('back');
    expect(convo.path()).toBe('user.step.hardRefresh');
    expect(convo.context().stepsTried.map((s) => s.step)).toEqual(['reload']);
  });

  it('suggests opening the address afresh instead of reloading after a form submission, and skips the hard refresh', async () => {
    const { convo, replies } = await withVisitorAt([fakeProbeResult()], { submitting: true, browser: 'chrome', os: 'windows' });
    expect(keysOf(replies)[0]).toBe('submitting.warning');
    expect(replies.at(-1)?.key).toBe('step.reload.fresh');
    await convo.answer('no');
    expect(convo.path()).toBe('user.step.restartBrowser');
  });

  it('drafts ready-to-send messages with the evidence and the steps tried', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult({ evidence: [{ kind: 'request-id', name: 'x-request-id', value: 'abc123' }] })]);
    let replies = await convo.answer('no');
    while (convo.path() !== 'user.contactSite') replies = await convo.answer('skip');
    const draft = replies.at(-1)?.draft;
    expect(draft?.key).toBe('draft.contactSite');
    expect(draft?.vars).toEqual({ url: 'https://shop.example/' });
    // One line per known fact: no producer was seen, so there is no "Error produced by" line at all.
    expect(draft?.lines?.evidence).toEqual([
      { key: 'draftLine.checkedAt', vars: { time: '2024-05-01 10:02 UTC' } },
      { key: 'draftLine.status', vars: { status: 200 }, terms: { verdict: ['verdict.up'] } },
      { key: 'draftLine.requestIds', vars: { requestIds: 'x-request-id: abc123' } },
      { key: 'draftLine.steps', terms: { steps: ['stepName.reload'] } },
    ]);
    const isp = await convo.answer('no');
    expect(isp.at(-1)?.draft?.key).toBe('draft.contactIsp');
    expect(isp.at(-1)?.draft?.lines?.evidence?.at(-1)).toEqual({
      key: 'draftLine.steps',
      terms: { steps: ['stepName.reload', 'stepName.contactSite'] },
    });
  });
});

describe('short paths', () => {
  it('handles Windows Update without a URL or a probe', async () => {
    const convo = createConversation({ probes: [fakeProbeResult()] });
    const replies = await convo.say('0x80244021', { variant: 'windows-update', url: 'https://ignored.example/' });
    expect(keysOf(replies)).toEqual(['user.windowsUpdate']);
    expect(convo.path()).toBe('user.windowsUpdate');
    expect(convo.probeInputs).toHaveLength(0);
    expect(keysOf(await convo.answer('no'))).toEqual(['user.windowsUpdateStuck']);
    expect(keysOf(await convo.answer('yes'))).toEqual(['user.fixed', 'crowd.feedback.ask']);
  });

  it('treats IIS 502.1 as a gateway timeout for visitors', async () => {
    const convo = createConversation({ probes: [fakeProbeResult()] });
    const replies = await convo.say('HTTP Error 502.1', { variant: 'iis-502.1' });
    expect(keysOf(replies)).toEqual(['user.gatewayTimeout.noSite']);
    expect(convo.path()).toBe('user.gatewayTimeout');
    expect(choicesOf(replies)).toEqual(['human', 'stop', 'admin']);
    const withUrl = await convo.say('it is shop.example', { url: 'https://shop.example/', variant: 'iis-502.1' });
    expect(keysOf(withUrl)).toEqual(['user.gatewayTimeout.site']);
    expect(convo.probeInputs).toHaveLength(0);
    expect(choicesOf(withUrl)).toEqual(['recheck', 'watch', 'human', 'stop']);
    await convo.answer('recheck');
    expect(convo.probeInputs).toHaveLength(1);
  });

  it('warns once about resending a form', async () => {
    const { convo, replies } = await withVisitorAt([fakeProbeResult()], { submitting: true });
    expect(keysOf(replies).filter((k) => k === 'submitting.warning')).toHaveLength(1);
    const again = await convo.say('I was paying', { submitting: true, intents: ['no'] });
    expect(keysOf(again)).not.toContain('submitting.warning');
  });
});

describe('busy states', () => {
  it('answers "still checking" when the turn times out during the probe, and checks again on request', async () => {
    const convo = createConversation({ probes: ['hang', fakeProbeResult()] });
    await convo.send({ type: 'user.message', text: 'shop.example', intents: [], url: 'https://shop.example/' }, { settle: false });
    expect(convo.path()).toBe('probing');
    const replies = await convo.send({ type: 'turn.timeout' });
    expect(convo.path()).toBe('user.stillChecking');
    expect(keysOf(replies)).toEqual(['probing.stillChecking']);
    expect(choicesOf(replies)).toEqual(['recheck', 'stop']);
    await convo.answer('recheck');
    expect(convo.path()).toBe('user.step.reload');
  });

  it('apologises when the probe fails and offers a recheck', async () => {
    const { convo, replies } = await withVisitorAt([{ fail: 'network down' }, fakeProbeResult()]);
    expect(convo.path()).toBe('user.checkFailed');
    expect(keysOf(replies)).toEqual(['probing.checking', 'error.probeFailed']);
    expect(choicesOf(replies)).toEqual(['recheck', 'human', 'restart']);
    await convo.answer('recheck');
    expect(convo.path()).toBe('user.step.reload');
  });

  it('times out a re-check into "still checking" too', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult(), 'hang']);
    while (convo.path() !== 'user.step.clearCookies') await convo.answer('no');
    await convo.send({ type: 'user.message', text: 'no', intents: ['no'] }, { settle: false });
    expect(convo.path()).toBe('user.recheck');
    await convo.send({ type: 'turn.timeout' });
    expect(convo.path()).toBe('user.stillChecking');
  });
});
