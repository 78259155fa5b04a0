/**
 * The bot delivers what the machine asked for (a hand-off, a watch) before anything is said, and reports
 * what became of it back into the machine, which then says only what happened. Run through the terminal's
 * adapter with the real core; the help desk and the watch service are the outer edge, faked at their
 * interfaces (a watch service whose storage fails, a help desk that is down).
 */
import type { Activity } from 'botbuilder';
import { buildCore, type Core } from '../../../src/build-core';
import { buttonPress, GatewayDoctorBot, type HandoffSink, type WatchSink } from '../../../src/channels/bot/gateway-doctor-bot';
import { ConsoleAdapter } from '../../../src/channels/console/console-adapter';
import { loadConfig } from '../../../src/config';
import { createI18n, translatorFor } from '../../../src/core/i18n';
import { createLogger } from '../../../src/observability/logger';
import { createStaticResolver } from '../../../src/probe/resolver';
import { createHttpServer, type LoopbackServer } from '../../helpers/loopback-servers';

const t = translatorFor(createI18n(), 'en');

let site: LoopbackServer;
let core: Core;

beforeAll(async () => {
  site = await createHttpServer((_req, res) => {
    res.writeHead(502, { server: 'nginx/1.25.3', 'content-type': 'text/html' });
    res.end('<html><head><title>502 Bad Gateway</title></head><body><center>nginx/1.25.3</center></body></html>');
  });
  core = await buildCore(
    loadConfig({ STORAGE: 'memory', LOG_LEVEL: 'silent', PROBE_ALLOW_CIDRS: '127.0.0.0/8', PROBE_TIMEOUT_MS: '1500' }),
    createLogger('silent'),
    { resolver: createStaticResolver({ localhost: ['127.0.0.1'] }) },
  );
});
afterAll(async () => {
  await core.close();
  await site.close();
});

function createChat(sinks: { handoff?: HandoffSink; watch?: WatchSink }) {
  const bot = new GatewayDoctorBot({ runner: core.runner, i18n: core.i18n, logger: core.logger, ...sinks });
  const printed: Partial<Activity>[] = [];
  const adapter = new ConsoleAdapter({ onActivity: (a) => printed.push(a), locale: 'en' });
  const send = async (partial: Partial<Activity>) => {
    const before = printed.length;
    await adapter.process({ type: 'message', ...partial }, (context) => bot.run(context));
    return printed.slice(before).filter((a) => a.type === 'message');
  };
  return { say: (text: string) => send({ text }), press: (value: unknown) => send({ text: '', value }) };
}

const offered = (replies: Partial<Activity>[]): string[] =>
  (replies.at(-1)?.suggestedActions?.actions ?? []).map((a) => (a.value as { gatewayDoctor: { intent: string } }).gatewayDoctor.intent);
const stateOf = (replies: Partial<Activity>[]) =>
  (replies.at(-1)?.channelData as { gatewayDoctor?: { state: string } })?.gatewayDoctor?.state;

describe('the bot reports what became of a hand-off or a watch', () => {
  it('says it cannot watch when the watch service fails to store the watch, and stops offering it', async () => {
    const failing: WatchSink = { watch: async () => Promise.reject(new Error('storage is down')) };
    const chat = createChat({ watch: failing });
    const verdict = await chat.say(`${site.url} shows 502 Bad Gateway`);
    expect(offered(verdict)).toContain('watch');
    const watched = await chat.press({ gatewayDoctor: { intent: 'watch', state: stateOf(verdict) } });
    expect(watched.map((a) => a.text?.split('\n\n')[0])).toEqual([t('watch.failed', { host: '127.0.0.1' })]);
    expect(stateOf(watched)).toBe('user.down');
    expect(offered(watched)).not.toContain('watch');
  });

  it('says a help desk that is down did not take the case', async () => {
    const down: HandoffSink = { handoff: async () => Promise.reject(new Error('503')), available: () => true };
    const chat = createChat({ handoff: down });
    await chat.say(`${site.url} shows 502 Bad Gateway`);
    const handed = await chat.say('talk to a person');
    expect(stateOf(handed)).toBe('handoffUnavailable');
    expect(handed[0]?.text?.split('\n\n')[0]).toBe(t('handoff.unavailable.siteDraft', { host: '127.0.0.1' }));
  });

  it('with neither configured (the terminal), offers neither', async () => {
    const chat = createChat({});
    const verdict = await chat.say(`${site.url} shows 502 Bad Gateway`);
    expect(stateOf(verdict)).toBe('user.down');
    expect(offered(verdict)).not.toContain('watch');
    expect(offered(verdict)).not.toContain('human');
  });
});

describe('buttonPress', () => {
  it('reads the intent and the state of the card the button was on', () => {
    expect(buttonPress({ gatewayDoctor: { intent: 'yes', state: 'user.step.reload' } })).toEqual({
      intent: 'yes',
      state: 'user.step.reload',
    });
    expect(buttonPress({ gatewayDoctor: { intent: 'yes' } })).toEqual({ intent: 'yes' });
  });

  it('drops a state that is not a short string, and ignores unknown intents', () => {
    expect(buttonPress({ gatewayDoctor: { intent: 'no', state: 'x'.repeat(101) } })).toEqual({ intent: 'no' });
    expect(buttonPress({ gatewayDoctor: { intent: 'no', state: { path: 'user.down' } } })).toEqual({ intent: 'no' });
    expect(buttonPress({ gatewayDoctor: { intent: 'format-disk', state: 'user.down' } })).toBeUndefined();
    expect(buttonPress('yes')).toBeUndefined();
  });
});
