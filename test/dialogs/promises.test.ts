/**
 * What the bot promises follows from what is configured and what happened: a hand-off is announced only
 * once a help desk took it, a watch only once the watch service stored it, a ready-to-send message only
 * where one is shown, and buttons only for what exists.
 */
import type { Snapshot } from 'xstate';
import type { AnalyticsSignal, Reply, SupportEmitted } from '../../dialogs/types';
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

const everyChoice = (replies: readonly Reply[]): string[] => replies.flatMap((r) => (r.choices ?? []).map((c) => c.intent));

describe('a hand-off', () => {
  it('is announced only once a help desk took it, and not opened twice', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()]);
    const replies = await convo.say('can I talk to someone', { intents: ['human'] });
    expect(keysOf(replies)).toEqual(['handoff.sent', 'crowd.feedback.ask']);
    expect(convo.context().handoffStatus).toBe('accepted');
    expect(keysOf(await convo.say('hello?'))).toEqual(['handoff.pending']);
    expect(keysOf(await convo.answer('human'))).toEqual(['handoff.pending']);
    expect(convo.emitted.filter((e) => e.type === 'handoff')).toHaveLength(1);
  });

  it('says nothing until the bot reports what became of it', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()], {}, { handoff: 'silent' });
    expect(await convo.say('a person please', { intents: ['human'] })).toEqual([]);
    expect(convo.emitted.some((e) => e.type === 'handoff')).toBe(true);
    expect(convo.path()).toBe('handoff');
    // A message slipping in before the outcome: nobody is said to have the details yet.
    expect(keysOf(await convo.say('hello?'))).toEqual(['handoff.requesting']);
    expect(keysOf(await convo.send({ type: 'handoff.result', accepted: true }))).toEqual(['handoff.sent', 'crowd.feedback.ask']);
    expect(keysOf(await convo.say('hello?'))).toEqual(['handoff.pending']);
  });

  it('announces nothing when the outcome arrives after the person moved on, but remembers it', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()], {}, { handoff: 'silent' });
    await convo.answer('human');
    await convo.answer('recheck');
    expect(convo.path()).toBe('user.down');
    expect(await convo.send({ type: 'handoff.result', accepted: false })).toEqual([]);
    expect(convo.path()).toBe('user.down');
    expect(choicesOf(await convo.answer('help'))).not.toContain('human');
  });

  it('taken by nobody: says so, shows the message for the site instead, and stops offering a person', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()], {}, { handoff: 'unavailable' });
    const replies = await convo.say('can I talk to someone', { intents: ['human'] });
    expect(keysOf(replies)).toEqual(['handoff.unavailable.siteDraft']);
    expect(convo.path()).toBe('handoffUnavailable');
    // "The message I prepared" is right there.
    expect(replies[0]?.draft?.key).toBe('draft.contactSite');
    expect(choicesOf(replies)).toEqual(['watch', 'recheck', 'restart', 'stop']);
    expect(keysOf(await convo.answer('help'))).toEqual(['help.bodyNoPerson']);
    // Back to the verdict: the same buttons as before, without "talk to a person".
    const again = await convo.answer('recheck');
    expect(convo.path()).toBe('user.down');
    expect(choicesOf(again)).toEqual(['watch', 'recheck', 'stop']);
  });

  it('taken by nobody for an administrator: the summary for the hosting provider', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()], { intents: ['admin'] }, { handoff: 'unavailable' });
    const replies = await convo.answer('human');
    expect(keysOf(replies)).toEqual(['handoff.unavailable.hostDraft']);
    expect(replies[0]?.draft?.key).toBe('draft.host');
  });

  it('taken by nobody before any site was named: no message to offer, and no promise on "tell me when it is back"', async () => {
    const convo = createConversation({ probes: [fakeCloudflareDown()], handoff: 'unavailable' });
    await convo.send({ type: 'conversation.start' });
    const replies = await convo.say('can I talk to someone', { intents: ['human'] });
    expect(keysOf(replies)).toEqual(['handoff.unavailable.noSite']);
    expect(replies[0]?.draft).toBeUndefined();
    expect(choicesOf(replies)).toEqual(['restart', 'stop']);
    // The next message, as understanding reads it today (a yes and a request).
    const next = await convo.say('ok just tell me when it is back up', { intents: ['yes', 'watch'] });
    expect(keysOf(next)).not.toContain('handoff.pending');
    expect(keysOf(next)).not.toContain('watch.confirmed');
    expect(convo.emitted.filter((e) => e.type === 'watch')).toEqual([]);
    // The request alone: the bot asks which site to watch instead of promising anything.
    expect(keysOf(await convo.say('tell me when it is back', { intents: ['watch'] }))).toEqual(['askUrl.visitor']);
  });

  it('restored from a snapshot written before hand-off outcomes existed: still pending, as it was told', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()]);
    await convo.answer('human');
    const old = JSON.parse(JSON.stringify(convo.persisted())) as { context: Record<string, unknown> };
    delete old.context.handoffStatus;
    const restored = createConversation({ probes: [fakeCloudflareDown()], snapshot: old as unknown as Snapshot<unknown> });
    expect(restored.path()).toBe('handoff');
    expect(keysOf(await restored.say('any news?'))).toEqual(['handoff.pending']);
  });
});

describe('a watch', () => {
  it('is confirmed once the watch service stored it', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()]);
    const replies = await convo.answer('watch');
    expect(convo.emitted).toContainEqual({ type: 'watch', url: 'https://shop.example/' });
    expect(keysOf(replies)).toEqual(['watch.confirmed']);
    expect(convo.path()).toBe('user.waiting');
    expect(convo.context().watchStatus).toBe('accepted');
  });

  it('not stored: says it cannot watch, stays where it was, and stops offering it', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()], {}, { watch: 'failed' });
    const replies = await convo.answer('watch');
    expect(keysOf(replies)).toEqual(['watch.failed']);
    expect(replies[0]?.vars).toEqual({ host: 'shop.example' });
    expect(convo.path()).toBe('user.down');
    expect(choicesOf(replies)).toEqual(['recheck', 'human', 'stop']);
    expect(choicesOf(await convo.answer('help'))).toEqual(['recheck', 'human', 'stop']);
  });

  it('is not set for a site that answers for everyone: there is nothing to wait for', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()]);
    const replies = await convo.answer('watch');
    expect(keysOf(replies)).toEqual(['watch.alreadyUp']);
    expect(convo.path()).toBe('user.step.reload');
    expect(choicesOf(replies)).toEqual(['yes', 'no', 'skip']);
    expect(convo.emitted.filter((e) => e.type === 'watch')).toEqual([]);
  });

  it('ignores the outcome of a watch on a site the conversation has since left', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()]);
    const replies = await convo.send({ type: 'watch.result', url: 'https://elsewhere.example/', accepted: true });
    expect(replies).toEqual([]);
    expect(convo.path()).toBe('user.down');
  });
});

describe('what the deployment can do', () => {
  it('offers neither a person nor a watch when neither is configured, and says so only when asked', async () => {
    const convo = createConversation({ probes: [fakeCloudflareDown()], handoff: 'unavailable', watch: 'failed' });
    await convo.send({ type: 'capabilities', handoff: false, watch: false });
    const replies = await convo.say('shop.example', { url: 'https://shop.example/' });
    expect(everyChoice(replies)).not.toContain('human');
    expect(everyChoice(replies)).not.toContain('watch');
    expect(keysOf(await convo.answer('help'))).toEqual(['help.bodyNoPerson']);
    // Typed anyway: tried, and answered truthfully.
    expect(keysOf(await convo.answer('watch'))).toEqual(['watch.failed']);
    expect(keysOf(await convo.answer('human'))).toEqual(['handoff.unavailable.siteDraft']);
  });

  it('is remembered across "start over"', async () => {
    const convo = createConversation({ probes: [fakeCloudflareDown()] });
    await convo.send({ type: 'capabilities', handoff: false, watch: true });
    await convo.say('shop.example', { url: 'https://shop.example/' });
    await convo.answer('restart');
    expect(convo.context().canHandoff).toBe(false);
    expect(everyChoice(await convo.say('shop.example', { url: 'https://shop.example/' }))).not.toContain('human');
  });

  it('promises no person in the texts either: the buttons carry the offer', async () => {
    const unreachable = fakeProbeResult({ verdict: 'blocked', httpStatus: undefined, evidence: [{ kind: 'refused', reason: 'address' }] });
    const { convo, replies } = await withVisitorAt([unreachable]);
    expect(englishText(replies.at(-1)?.key ?? '')).not.toMatch(/person/);
    await convo.send({ type: 'capabilities', handoff: false, watch: false });
    expect(choicesOf(await convo.answer('help'))).toEqual(['yes', 'recheck']);
  });
});

/** The analytics signals the machine emitted so far. */
const signalsOf = (emitted: readonly SupportEmitted[]): AnalyticsSignal[] =>
  emitted.flatMap((e) => (e.type === 'analytics' ? [e.signal] : []));

describe('"did this help?"', () => {
  it('is asked once when a step fixed it, recorded with that step, and never offered again', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()]);
    await convo.answer('no');
    const fixed = await convo.answer('yes');
    expect(keysOf(fixed)).toEqual(['user.fixed', 'crowd.feedback.ask']);
    expect(choicesOf(fixed)).toEqual(['yes', 'no', 'restart', 'stop']);
    const thanks = await convo.answer('no');
    expect(keysOf(thanks)).toEqual(['crowd.feedback.thanks']);
    expect(choicesOf(thanks)).toEqual(['restart', 'stop']);
    expect(convo.context().feedback).toBe('no');
    // After the answer, "yes" is the old "glad it works" again and nothing more is counted.
    expect(keysOf(await convo.answer('yes'))).toEqual(['common.welcome']);
    expect(keysOf(await convo.answer('help'))).toEqual(['help.body']);
    expect(signalsOf(convo.emitted)).toEqual([
      { kind: 'checked', verdict: 'up' },
      { kind: 'outcome', outcome: 'fixed', step: 'hardRefresh' },
      { kind: 'feedback', helpful: false, outcome: 'fixed', step: 'hardRefresh' },
    ]);
  });

  it('is asked once a help desk took the case, and not when none did', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()]);
    expect(choicesOf(await convo.answer('human'))).toEqual(['yes', 'no', 'restart', 'stop']);
    expect(keysOf(await convo.answer('yes'))).toEqual(['crowd.feedback.thanks']);
    expect(signalsOf(convo.emitted).map((s) => s.kind)).toEqual(['checked', 'outcome', 'feedback']);
    expect(signalsOf(convo.emitted)[0]).toEqual({ kind: 'checked', verdict: 'down', producer: 'cloudflare' });

    const { convo: alone } = await withVisitorAt([fakeCloudflareDown()], {}, { handoff: 'unavailable' });
    const replies = await alone.answer('human');
    expect(keysOf(replies)).not.toContain('crowd.feedback.ask');
    expect(everyChoice(replies)).not.toContain('yes');
    expect(signalsOf(alone.emitted).filter((s) => s.kind === 'outcome')).toEqual([]);
  });

  it('is asked when every step was tried, and the conversation counts as abandoned only once', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()]);
    let replies: Reply[] = [];
    while (convo.path() !== 'user.later') replies = await convo.answer('skip');
    expect(keysOf(replies)).toContain('crowd.feedback.ask');
    expect(keysOf(await convo.answer('yes'))).toEqual(['crowd.feedback.thanks']);
    await convo.answer('stop');
    expect(signalsOf(convo.emitted).filter((s) => s.kind === 'outcome')).toEqual([{ kind: 'outcome', outcome: 'abandoned' }]);
  });

  it('counts a wait for the site, and a stop before anything was checked counts as nothing', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()]);
    await convo.answer('watch');
    expect(convo.path()).toBe('user.waiting');
    expect(signalsOf(convo.emitted).filter((s) => s.kind === 'outcome')).toEqual([{ kind: 'outcome', outcome: 'waited' }]);

    const quiet = createConversation({ probes: [fakeProbeResult()] });
    await quiet.send({ type: 'conversation.start' });
    await quiet.answer('stop');
    expect(signalsOf(quiet.emitted)).toEqual([]);
  });
});
