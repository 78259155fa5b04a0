/**
 * A press on an earlier card's button: buttons carry the state of the card they are on, and a press whose
 * meaning depends on that card's question is answered with where the conversation is now, never taken as
 * an answer to the question on screen.
 */
import { choicesFor } from '../../dialogs/replies';
import {
  choicesOf,
  createMessage,
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

const press = (intent: 'yes' | 'no' | 'skip' | 'recheck' | 'restart' | 'human', pressedIn: string) =>
  createMessage(intent, { intents: [intent], pressedIn });

describe('a press on an earlier card', () => {
  it('does not answer the current step: it says where the conversation is, with the current choices', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()], { browser: 'chrome', os: 'windows' });
    await convo.send(press('no', 'user.step.reload'));
    expect(convo.path()).toBe('user.step.hardRefresh');
    const tried = convo.context().stepsTried;

    // "Yes, it works now" on the reload card, while the hard refresh is being asked.
    const replies = await convo.send(press('yes', 'user.step.reload'));
    expect(keysOf(replies)).toEqual(['reprompt.stale', 'step.hardRefresh.keysAlt']);
    expect(replies[1]?.choices).toEqual(choicesFor('user.step.hardRefresh', convo.context()));
    expect(convo.path()).toBe('user.step.hardRefresh');
    expect(convo.context().stepsTried).toEqual(tried);
  });

  it('repeats the verdict with its buttons when the old card was a step and the site is now down', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult(), fakeCloudflareDown()]);
    await convo.answer('recheck');
    expect(convo.path()).toBe('user.down');
    const replies = await convo.send(press('no', 'user.step.reload'));
    expect(keysOf(replies)).toEqual(['reprompt.stale', 'user.down.behindCdn']);
    expect(choicesOf(replies)).toEqual(['watch', 'recheck', 'human', 'stop']);
  });

  it('takes a press on the current card, and a card that carries no state (sent before buttons carried one), as an answer', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()]);
    expect(keysOf(await convo.send(press('no', 'user.step.reload')))[0]).toMatch(/^step\.hardRefresh\./);
    expect(keysOf(await convo.send(createMessage('yes', { intents: ['yes'] })))).toEqual(['user.fixed', 'crowd.feedback.ask']);
  });

  it('still honours the commands that mean the same everywhere', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()]);
    expect(keysOf(await convo.send(press('human', 'user.step.clearCache')))).toEqual(['handoff.sent', 'crowd.feedback.ask']);
    expect(keysOf(await convo.send(press('restart', 'user.down')))).toEqual(['greeting.hello']);
  });

  it('is recognised in the administrator checks too: "look again" from the DNS card does not re-probe the site', async () => {
    const nginxDown = fakeProbeResult({ verdict: 'down', advice: 'wait', httpStatus: 502, producer: 'nginx' });
    const { convo } = await withVisitorAt(
      [nginxDown],
      { intents: ['admin'] },
      { dns: [{ host: 'shop.example', a: [], aaaa: [], cname: [], ns: [] }] },
    );
    await convo.answer('no');
    await convo.answer('no');
    await convo.answer('no');
    expect(convo.path()).toBe('admin.logs');
    const replies = await convo.send(press('recheck', 'admin.dns'));
    expect(keysOf(replies)).toEqual(['reprompt.stale', 'admin.logs.ask.nginx']);
    expect(convo.probeInputs).toHaveLength(1);
    expect(convo.dnsInputs).toHaveLength(1);
  });

  it('after goodbye, starts afresh and asks for the site rather than answering an old question', async () => {
    const { convo } = await withVisitorAt([fakeProbeResult()]);
    await convo.answer('stop');
    const replies = await convo.send(press('no', 'user.step.reload'));
    expect(keysOf(replies)).toEqual(['reprompt.stale', 'askUrl.visitor']);
    expect(convo.path()).toBe('greeting');
  });
});
