/**
 * What the conversation says about the probe's own limits and about answers it did not get from the page
 * itself: `rate_limited` (try again in a few seconds, or in a minute), an answer lent from another page of
 * the same host (which page, checked when), and a host typed without a scheme that answered over http.
 */
import { FEW_SECONDS_MS } from '../../dialogs/context';
import type { ProbeResult } from '../../src/contracts';
import { createConversation, fakeCloudflareDown, fakeProbeResult, keysOf, withVisitorAt } from './create-conversation';

const limitedBy = (reason: 'rate-limited' | 'busy', retryAfterMs?: number): ProbeResult =>
  fakeProbeResult({
    verdict: 'rate_limited',
    advice: 'wait',
    httpStatus: undefined,
    evidence: [{ kind: 'refused', reason }],
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });

describe('a check our own limits stopped', () => {
  it.each([
    ['the host budget, free again in 3 s', limitedBy('rate-limited', 3000), 'error.rateLimited'],
    ['every probe slot busy', limitedBy('busy', 4000), 'error.rateLimited'],
    ['a limit that does not say when', limitedBy('rate-limited'), 'error.rateLimited'],
    ["the person's own budget, free again in 45 s", limitedBy('rate-limited', 45_000), 'error.probeLimited'],
  ])('is paused, not unreachable: %s', async (_case, probe, key) => {
    const { convo, replies } = await withVisitorAt([probe]);
    expect(convo.path()).toBe('user.limited');
    expect(keysOf(replies)).toEqual(['probing.checking', key]);
    expect(replies.at(-1)?.choices?.map((c) => c.intent)).toContain('recheck');
    expect(convo.context().probe?.verdict).toBe('rate_limited');
  });

  it('says "a few seconds" only up to its threshold', async () => {
    const { replies } = await withVisitorAt([limitedBy('rate-limited', FEW_SECONDS_MS + 1)]);
    expect(replies.at(-1)?.key).toBe('error.probeLimited');
  });

  it('reads a probe stored before rate_limited existed (blocked by a limit) as a limit too', async () => {
    const legacy = fakeProbeResult({
      verdict: 'blocked',
      advice: 'wait',
      httpStatus: undefined,
      evidence: [{ kind: 'refused', reason: 'busy' }],
    });
    const { convo } = await withVisitorAt([legacy]);
    expect(convo.path()).toBe('user.limited');
  });

  it('gives the administrator the same answer instead of an overview', async () => {
    const { convo, replies } = await withVisitorAt([limitedBy('busy', 2000)], { intents: ['admin'] });
    expect(convo.path()).toBe('admin.overview');
    expect(keysOf(replies)).toEqual(['probing.checking', 'error.rateLimited']);
  });
});

describe('an answer lent from another page of the same host', () => {
  const lent = (input: { url: string }): ProbeResult => ({
    ...fakeCloudflareDown(),
    url: input.url,
    checkedAt: '2026-03-02T09:41:07.000Z',
    evidence: [...fakeCloudflareDown().evidence, { kind: 'note', code: 'host-result', detail: 'https://shop.example/cart?session=abc' }],
  });

  it('says which page answered and when, before the verdict', async () => {
    const { replies } = await withVisitorAt([lent]);
    const keys = keysOf(replies);
    expect(keys.slice(0, 2)).toEqual(['probing.checking', 'probing.hostResult']);
    expect(keys[2]).toMatch(/^user\.down\./);
    expect(replies[1]?.vars).toEqual({ host: 'shop.example', page: 'https://shop.example/cart', time: '2026-03-02 09:41 UTC' });
  });

  it('says nothing of the kind when the probe looked at the page itself', async () => {
    const { replies } = await withVisitorAt([fakeCloudflareDown()]);
    expect(keysOf(replies)).not.toContain('probing.hostResult');
  });

  it('says it on a re-check too, and to an administrator', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown(), lent]);
    expect(keysOf(await convo.answer('recheck'))).toContain('probing.hostResult');
    const admin = await withVisitorAt([lent], { intents: ['admin'] });
    expect(keysOf(admin.replies).slice(0, 3)).toEqual(['probing.checking', 'probing.hostResult', 'admin.overview.http']);
  });
});

describe('a host typed without a scheme', () => {
  const overHttp = (input: { url: string }): ProbeResult =>
    fakeProbeResult({
      url: input.url.replace(/^https:/, 'http:'),
      evidence: [{ kind: 'note', code: 'https-failed', detail: 'ERR_SSL_WRONG_VERSION_NUMBER' }],
    });

  it('tells the probe that https was only assumed, then keeps the http address that answered', async () => {
    const convo = createConversation({ probes: [overHttp] });
    await convo.say('127.0.0.1:4302 gives me a 502', { url: 'https://127.0.0.1:4302/', schemeGuessed: true });
    expect(convo.probeInputs).toEqual([{ url: 'https://127.0.0.1:4302/', schemeGuessed: true }]);
    expect(convo.context()).toMatchObject({ url: 'http://127.0.0.1:4302/', host: '127.0.0.1' });
    expect(convo.context().schemeGuessed).toBeUndefined();
    expect(convo.path()).toMatch(/^user\./);
    // Re-checks and the watch go to the address that works.
    await convo.answer('recheck');
    expect(convo.probeInputs[1]).toEqual({ url: 'http://127.0.0.1:4302/' });
  });

  it('keeps a URL typed with https:// as it is', async () => {
    const convo = createConversation({ probes: [overHttp] });
    await convo.say('https://127.0.0.1:4302 gives me a 502', { url: 'https://127.0.0.1:4302/' });
    expect(convo.probeInputs).toEqual([{ url: 'https://127.0.0.1:4302/' }]);
    expect(convo.context().url).toBe('https://127.0.0.1:4302/');
  });

  it('keeps the https address when https answered', async () => {
    const convo = createConversation({ probes: [fakeCloudflareDown()] });
    await convo.say('shop.example is down', { url: 'https://shop.example/', schemeGuessed: true });
    expect(convo.context()).toMatchObject({ url: 'https://shop.example/', schemeGuessed: true });
    await convo.answer('watch');
    expect(convo.emitted).toContainEqual({ type: 'watch', url: 'https://shop.example/' });
  });
});
