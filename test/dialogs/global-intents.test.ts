import type { HandoffEmitted } from '../../dialogs/types';
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

describe('commands that work anywhere', () => {
  it('restarts with a fresh context but keeps locale, browser and OS', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()], { browser: 'firefox', os: 'linux', language: 'fr' });
    await convo.answer('no');
    const replies = await convo.answer('restart');
    expect(keysOf(replies)).toEqual(['greeting.hello']);
    expect(convo.path()).toBe('greeting');
    const ctx = convo.context();
    expect(ctx).toMatchObject({ locale: 'fr', localeChosen: true, browser: 'firefox', os: 'linux', stepsTried: [], probeHistory: [] });
    expect(ctx.url).toBeUndefined();
    expect(ctx.probe).toBeUndefined();
  });

  it("answers help with the current state's choices and stays", async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()]);
    const replies = await convo.answer('help');
    expect(keysOf(replies)).toEqual(['help.body']);
    expect(choicesOf(replies)).toEqual(['watch', 'recheck', 'human', 'stop']);
    expect(convo.path()).toBe('user.down');
  });

  it('hands off to a person with a summary of everything so far', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()], { browser: 'edge', os: 'windows' });
    const replies = await convo.say('can I talk to someone', { intents: ['human'] });
    expect(keysOf(replies)).toEqual(['handoff.sent', 'crowd.feedback.ask']);
    expect(convo.path()).toBe('handoff');
    const handoff = convo.emitted.find((e): e is HandoffEmitted => e.type === 'handoff');
    expect(handoff?.summary).toEqual({
      url: 'https://shop.example/',
      variant: 'bad-gateway',
      browser: 'edge',
      os: 'windows',
      locale: 'en',
      probes: [
        {
          checkedAt: '2024-05-01T10:02:03.000Z',
          verdict: 'down',
          advice: 'wait',
          httpStatus: 502,
          producer: 'cloudflare',
          requestIds: ['cf-ray: 8a1b2c3d4e5f-AMS'],
        },
      ],
      stepsTried: [],
      causes: [],
      lastMessages: ['shop.example shows 502 bad gateway', 'can I talk to someone'],
    });
    expect(convo.context().handoffRequested).toBe(true);
    expect(keysOf(await convo.say('hello?'))).toEqual(['handoff.pending']);
    expect(keysOf(await convo.answer('human'))).toEqual(['handoff.pending']);
    expect(convo.emitted.filter((e) => e.type === 'handoff')).toHaveLength(1);
  });

  it('includes steps tried and findings in the hand-off', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()]);
    await convo.answer('no');
    await convo.answer('skip');
    await convo.say('page', { findings: [{ cause: 'error-page', producer: 'nginx', summary: 'x' }] });
    await convo.answer('human');
    const handoff = convo.emitted.find((e): e is HandoffEmitted => e.type === 'handoff');
    expect(handoff?.summary.stepsTried).toEqual([
      { step: 'reload', answer: 'no' },
      { step: 'hardRefresh', answer: 'skip' },
    ]);
    expect(handoff?.summary.causes).toEqual(['error-page']);
  });

  it('says goodbye on stop, and a new message starts over', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult(), fakeCloudflareDown()]);
    expect(keysOf(await convo.answer('stop'))).toEqual(['ended.goodbye']);
    expect(convo.path()).toBe('ended');
    const replies = await convo.say('other.example is down', { url: 'https://other.example/' });
    expect(keysOf(replies)).toEqual(['probing.checking', 'user.down.behindCdn']);
    expect(convo.context().transcript).toEqual(['other.example is down']);
    expect(convo.context().probeHistory).toHaveLength(1);
  });

  it('switches language and replies in the new one, without losing its place', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()]);
    const replies = await convo.say('auf Deutsch bitte', { language: 'de' });
    expect(keysOf(replies)).toEqual(['language.changed']);
    expect(convo.context().locale).toBe('de');
    expect(convo.path()).toBe('user.step.reload');
  });

  it('does not let client hints override a language the person chose', async () => {
    const convo = createConversation({ probes: [fakeProbeResult()] });
    await convo.send({ type: 'client.info', locale: 'ja', browser: 'opera', os: 'macos' });
    expect(convo.context()).toMatchObject({ locale: 'ja', browser: 'opera', os: 'macos' });
    await convo.say('english please', { language: 'en' });
    await convo.send({ type: 'client.info', locale: 'es' });
    expect(convo.context().locale).toBe('en');
    expect(convo.emitted.filter((e) => e.type === 'reply').map((e) => e.type === 'reply' && e.reply.key)).toEqual(['language.changed']);
  });

  it('switches to the admin flow and back to the visitor flow', async () => {
    const { convo, replies } = await withVisitorAt([fakeCloudflareDown()]);
    expect(choicesOf(replies)).toContain('admin');
    await convo.answer('admin');
    expect(convo.path()).toBe('admin.overview');
    await convo.answer('no');
    expect(convo.path()).toBe('admin.maintenance');
    await convo.answer('visitor');
    expect(convo.path()).toBe('user.down');
    expect(convo.context().role).toBe('visitor');
  });

  it("probes a new URL mid-flow and forgets the previous site's steps", async () => {
    const { convo } = await withVisitorAt([fakeProbeResult(), fakeCloudflareDown()]);
    await convo.answer('no');
    const replies = await convo.say('now other.example too', { url: 'https://other.example/', intents: ['no'] });
    expect(convo.probeInputs.map((p) => p.url)).toEqual(['https://shop.example/', 'https://other.example/']);
    expect(keysOf(replies)).toEqual(['probing.checking', 'user.down.behindCdn']);
    expect(convo.context()).toMatchObject({ host: 'other.example', stepsTried: [] });
  });

  it("re-prompts with the state's choices on input it does not understand", async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()]);
    const replies = await convo.say('banana');
    expect(keysOf(replies)).toEqual(['reprompt.choose']);
    expect(choicesOf(replies)).toEqual(['yes', 'no', 'skip']);
    expect(convo.path()).toBe('user.step.reload');
  });

  it('turns an answer a state does not take into a re-prompt', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()]);
    const replies = await convo.answer('no');
    expect(keysOf(replies)).toEqual(['reprompt.choose']);
    expect(convo.path()).toBe('user.down');
  });

  it('takes a bare yes at the down-for-everyone offer as accepting it (routing.ts YES_MEANS)', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()]);
    const replies = await convo.answer('yes');
    expect(keysOf(replies)).toEqual(['watch.confirmed']);
    expect(convo.path()).toBe('user.waiting');
  });

  it('re-prompts in askUrl and after stop-free dead ends', async () => {
    const convo = createConversation({ probes: [fakeProbeResult()] });
    await convo.say('help me');
    expect(keysOf(await convo.say('it is broken'))).toEqual(['askUrl.reprompt']);
    expect(keysOf(await convo.answer('no'))).toEqual(['askUrl.reprompt']);
    expect(convo.path()).toBe('askUrl');
  });

  it('asks for a URL when watch or recheck come before any site', async () => {
    const convo = createConversation({ probes: [fakeProbeResult()] });
    expect(keysOf(await convo.answer('watch'))).toEqual(['askUrl.visitor']);
    expect(keysOf(await convo.answer('recheck'))).toEqual(['askUrl.visitor']);
    expect(convo.emitted.some((e) => e.type === 'watch')).toBe(false);
  });

  it('answers thanks and greetings without moving', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()]);
    expect(keysOf(await convo.answer('thanks'))).toEqual(['common.welcome']);
    expect(keysOf(await convo.answer('greeting'))).toEqual(['greeting.hello']);
    expect(convo.path()).toBe('user.step.reload');
  });

  it('keeps the transcript short and bounded', async () => {
    const convo = createConversation({ probes: [fakeProbeResult()] });
    for (let i = 0; i < 15; i++) await convo.say(`${i} ${'x'.repeat(400)}`);
    const t = convo.context().transcript;
    expect(t).toHaveLength(10);
    expect(t[0]?.startsWith('5 ')).toBe(true);
    expect(t.every((s) => s.length === 300)).toBe(true);
  });
});
