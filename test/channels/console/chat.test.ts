import type { Activity } from 'botbuilder';
import { ConsoleAdapter } from '../../../src/channels/console/console-adapter';
import { offeredChoices, pickChoice } from '../../../src/channels/console/chat';
import { buildCore } from '../../../src/build-core';
import { GatewayDoctorBot } from '../../../src/channels/bot/gateway-doctor-bot';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/observability/logger';
import { createStaticResolver } from '../../../src/probe/resolver';

describe('terminal chat', () => {
  const choices = [
    { title: 'Yes, it works now', value: { gatewayDoctor: { intent: 'yes' } } },
    { title: 'No, still broken', value: { gatewayDoctor: { intent: 'no' } } },
  ];

  it('maps a number or a label back to the offered choice', () => {
    expect(pickChoice('2', choices)?.value).toEqual({ gatewayDoctor: { intent: 'no' } });
    expect(pickChoice(' yes, it works now ', choices)?.value).toEqual({ gatewayDoctor: { intent: 'yes' } });
    expect(pickChoice('3', choices)).toBeUndefined();
    expect(pickChoice('example.com', choices)).toBeUndefined();
  });

  it('runs the real bot through the console adapter and offers numbered choices', async () => {
    const core = await buildCore(loadConfig({ STORAGE: 'memory', LOG_LEVEL: 'silent' }), createLogger('silent'), {
      resolver: createStaticResolver({}),
    });
    // Built the way the terminal's composition root builds it, from the channel-neutral core.
    const bot = new GatewayDoctorBot({
      runner: core.runner,
      i18n: core.i18n,
      logger: core.logger,
      defaultLocale: core.config.defaultLocale,
    });
    const printed: Partial<Activity>[] = [];
    const adapter = new ConsoleAdapter({ onActivity: (a) => printed.push(a), locale: 'fr-FR' });
    try {
      await adapter.process({ type: 'message', text: 'je suis le propriétaire du site' }, (context) => bot.run(context));
      const last = printed.filter((a) => a.type === 'message').at(-1);
      expect(last?.channelData?.gatewayDoctor?.state).toBeDefined();
      // Plain text for the terminal: no cards, and the choices travel as suggested actions.
      expect(last?.attachments).toBeUndefined();
      expect(typeof last?.text).toBe('string');
      await adapter.process({ type: 'message', text: 'help' }, (context) => bot.run(context));
      const help = printed.filter((a) => a.type === 'message').at(-1);
      const offered = offeredChoices(help ?? {});
      if (offered.length > 0) expect(help?.text).toMatch(/^1\. /m);
    } finally {
      await core.close();
    }
  });
});
