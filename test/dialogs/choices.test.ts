/**
 * The choices of every waiting state are defined once (`PROMPTS` in dialogs/replies.ts): the reply that
 * enters a state, "help" in it and the watch service's proactive notice all offer the same buttons.
 */
import { createInitialContext } from '../../dialogs/context';
import { choicesFor, helpReply, WATCHING_STATE, watchNoticeReply } from '../../dialogs/replies';
import { SCRIPTS } from './conversation-scripts';
import { choicesOf, createConversation, createIntent, fakeCloudflareDown, keysOf, withVisitorAt } from './create-conversation';

/** A follow-up said inside a state that offers the ways out rather than the state's question again. */
const FOLLOW_UPS: readonly string[] = ['user.windowsUpdateStuck'];

describe('choices defined once', () => {
  it.each(SCRIPTS.map((s) => [s.name, s] as const))('%s: each state offers on entry what "help" offers there', async (_name, script) => {
    const convo = createConversation({ probes: script.probes, ...(script.dns ? { dns: script.dns } : {}), ...script.edge });
    const mismatches: string[] = [];
    let compared = 0;
    for (const item of script.events) {
      const [event, settle] = Array.isArray(item) ? item : [item, true];
      const replies = await convo.send(event, { settle });
      const last = [...replies].reverse().find((r) => r.choices?.length);
      if (!convo.settled() || !last || FOLLOW_UPS.includes(last.key)) continue;
      // "I run this site" rides along with the first verdict only; it is not one of the state's choices.
      const offered = choicesOf(replies).filter((intent) => intent !== 'admin');
      const help = choicesOf(await convo.send(createIntent('help')));
      if (JSON.stringify(offered) !== JSON.stringify(help)) mismatches.push(`${convo.path()}: ${offered.join()} / ${help.join()}`);
      compared++;
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(0);
    convo.stop();
  });

  it('offers with "it\'s back" the choices of the state the conversation is watching in', async () => {
    const { convo } = await withVisitorAt([fakeCloudflareDown()]);
    await convo.answer('watch');
    expect(convo.path()).toBe(WATCHING_STATE);
    const help = await convo.answer('help');
    const back = watchNoticeReply('shop.example', { kind: 'back', checkedAt: '2024-05-01T10:02:03.000Z' });
    expect(back).toMatchObject({ key: 'watch.back', vars: { host: 'shop.example', time: '10:02 UTC' } });
    expect(back.choices).toEqual(help[0]?.choices);
    expect(back.choices).toEqual(choicesFor(WATCHING_STATE, convo.context()));
    expect(back.choices?.map((c) => c.intent)).toEqual(['recheck', 'restart', 'stop']);
  });

  it('offers nothing with "I stopped watching"', () => {
    const gaveUp = watchNoticeReply('shop.example', { kind: 'gave-up', hours: 24 });
    expect(gaveUp).toEqual({ key: 'watch.gaveUp', vars: { host: 'shop.example', hours: 24 } });
    expect(keysOf(helpReply(WATCHING_STATE, createInitialContext()))).toEqual(['help.body']);
  });
});
