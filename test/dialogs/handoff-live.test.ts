/**
 * The live hand-off in the machine: once a help desk can answer here (`handoff.result` with `live`), the bot
 * stays quiet except for "end" and "start over", and the agent's end returns the person to the bot. The
 * state is persisted like any other, so a restart keeps the person with the agent.
 */
import type { Snapshot } from 'xstate';
import { createConversation, englishText, fakeCloudflareDown, keysOf, seenTranslationKeys, withVisitorAt } from './create-conversation';

afterAll(() => {
  expect([...seenTranslationKeys()].filter((k) => englishText(k) === undefined)).toEqual([]);
});

async function live() {
  const { convo } = await withVisitorAt([fakeCloudflareDown()], {}, { handoff: 'silent' });
  await convo.answer('human');
  const replies = await convo.send({ type: 'handoff.result', accepted: true, live: true });
  return { convo, replies };
}

describe('a live hand-off', () => {
  it('tells the person a person answers here, with a way to end it', async () => {
    const { convo, replies } = await live();
    expect(keysOf(replies)).toEqual(['handoffDesk.connected']);
    expect(replies[0]?.choices).toEqual([{ intent: 'stop', labelKey: 'handoffDesk.endChoice' }]);
    expect(convo.path()).toBe('handoffLive');
    expect(convo.context().handoffStatus).toBe('accepted');
  });

  it('is quiet meanwhile: URLs, questions and help are for the agent, noted in the transcript', async () => {
    const { convo } = await live();
    expect(await convo.say('is anyone there?')).toEqual([]);
    expect(await convo.say('https://other.example', { url: 'https://other.example/' })).toEqual([]);
    expect(await convo.answer('help')).toEqual([]);
    expect(await convo.answer('human')).toEqual([]);
    expect(await convo.send({ type: 'conversation.start' })).toEqual([]);
    expect(convo.path()).toBe('handoffLive');
    expect(convo.probeInputs).toHaveLength(1);
    expect(convo.context().transcript).toContain('is anyone there?');
  });

  it('"end" from the person returns them to the bot', async () => {
    const { convo } = await live();
    expect(keysOf(await convo.say('end', { intents: ['stop'] }))).toEqual(['handoffDesk.endedByPerson']);
    expect(convo.path()).toBe('greeting');
  });

  it('"start over" returns them to the bot, afresh', async () => {
    const { convo } = await live();
    expect(keysOf(await convo.answer('restart'))).toEqual(['greeting.hello']);
    expect(convo.path()).toBe('greeting');
    expect(convo.context().url).toBeUndefined();
  });

  it('the agent ending the case returns the person to the bot, with a line', async () => {
    const { convo } = await live();
    expect(keysOf(await convo.send({ type: 'handoff.end' }))).toEqual(['handoffDesk.endedByAgent']);
    expect(convo.path()).toBe('greeting');
    // Outside a live case the agent's end means nothing.
    expect(await convo.send({ type: 'handoff.end' })).toEqual([]);
  });

  it('survives a restart: restored from its snapshot, still quiet', async () => {
    const { convo } = await live();
    const restored = createConversation({
      probes: [fakeCloudflareDown()],
      snapshot: JSON.parse(JSON.stringify(convo.persisted())) as Snapshot<unknown>,
    });
    expect(restored.path()).toBe('handoffLive');
    expect(await restored.say('still there?')).toEqual([]);
  });

  it('a hand-off accepted only one way (webhook) keeps the old pending state', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()], {}, { handoff: 'silent' });
    await convo.answer('human');
    // Taken by a help desk is an end of the visitor flow: the one-tap "did this help?" follows.
    expect(keysOf(await convo.send({ type: 'handoff.result', accepted: true }))).toEqual(['handoff.sent', 'crowd.feedback.ask']);
    expect(convo.path()).toBe('handoff');
  });
});

describe('no help desk, but HANDOFF_CONTACT_URL', () => {
  it('offers the contact address and the ready-to-send message instead of a dead end', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()], {}, { handoff: 'unavailable' });
    await convo.send({ type: 'capabilities', handoff: false, watch: true, contactUrl: 'https://help.example/contact' });
    const replies = await convo.say('can I talk to someone', { intents: ['human'] });
    expect(keysOf(replies)).toEqual(['handoffDesk.contact.withDraft']);
    expect(replies[0]?.vars).toEqual({ url: 'https://help.example/contact' });
    expect(replies[0]?.draft).toBeDefined();
  });

  it('without a checked site: the address alone', async () => {
    const convo = createConversation({ handoff: 'unavailable' });
    await convo.send({ type: 'capabilities', handoff: false, watch: true, contactUrl: 'mailto:help@example.com' });
    expect(keysOf(await convo.answer('human'))).toEqual(['handoffDesk.contact.noSite']);
  });
});
