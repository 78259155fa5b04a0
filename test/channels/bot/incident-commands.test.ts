/**
 * The help desk's incident commands in the chat, driven through botbuilder's TestAdapter as the channel:
 * Teams- and Slack-shaped activities from ADMIN_USERS get a confirmation card and the command runs once;
 * everyone else, web chat users listed or not, and channels this deployment cannot vouch for are refused.
 * The store is real (memory); replies are checked by i18n key through the English templates' vars.
 */
import { MemoryStorage as BotMemoryStorage, TestAdapter, type Activity } from 'botbuilder';
import { createIncidentCommands, INCIDENT_CONFIRM_STATE } from '../../../src/channels/bot/incident-commands';
import { createI18n } from '../../../src/core/i18n';
import { parseIncidentCommand } from '../../../src/core/understanding/incident-commands';
import { createIncidentService } from '../../../src/incidents/incident-service';
import { createIncidentStore } from '../../../src/incidents/incident-store';
import { createLogger } from '../../../src/observability/logger';
import english from '../../../locales/en/translation.json';
import { HOSTILE_GENERATORS } from '../../helpers/hostile-text';

/** The English templates of the commands' replies: a reply is identified by the key whose literal parts it contains in order. */
const TEMPLATES = Object.entries(english.incident.command).map(([key, template]) => ({
  key: `incident.command.${key}`,
  parts: template.split(/\{\{\w+\}\}/),
}));

function keyOfText(text: string): string {
  const matches = TEMPLATES.filter(({ parts }) => {
    let at = 0;
    for (const part of parts) {
      const found = text.indexOf(part, at);
      if (found < 0 || (at === 0 && found !== 0)) return false;
      at = found + part.length;
    }
    return true;
  }).sort((a, b) => b.parts.join('').length - a.parts.join('').length);
  return matches[0]?.key ?? `(no key for "${text}")`;
}

function setup({ vouched = ['msteams', 'slack'] }: { vouched?: string[] } = {}) {
  const store = createIncidentStore({ kind: 'memory' }, { cacheMs: 0 });
  const resolvedHosts: string[] = [];
  const incidents = createIncidentService({
    store,
    logger: createLogger('silent'),
    onResolved: async (incident) => {
      resolvedHosts.push(incident.host);
      return 2;
    },
  });
  const commands = createIncidentCommands({
    incidents,
    storage: new BotMemoryStorage(),
    i18n: createI18n({ fallbackLocale: 'en' }),
    logger: createLogger('silent'),
    adminUsers: ['msteams:29:1abc', 'slack:U0ADMIN', 'webchat:w-1'],
    vouchedChannels: new Set(vouched),
  });
  const handled: boolean[] = [];
  const adapter = new TestAdapter(async (context) => {
    handled.push(await commands.handle(context));
  });
  return { store, adapter, handled, resolvedHosts };
}

/** Sends one activity and returns what the bot sent back. */
async function send(adapter: TestAdapter, activity: Partial<Activity>): Promise<Partial<Activity>[]> {
  adapter.activeQueue.splice(0);
  await adapter.receiveActivity({ type: 'message', locale: 'en-US', ...activity });
  return adapter.activeQueue.splice(0);
}

const keyOf = (reply: Partial<Activity> | undefined): string => {
  const card = reply?.attachments?.[0]?.content as { fallbackText?: string } | undefined;
  return keyOfText(((card?.fallbackText ?? reply?.text ?? '').split('\n\n')[0] ?? '').replace(/\\/g, ''));
};
const confirmButtons = (reply: Partial<Activity> | undefined): string[] =>
  (
    (reply?.attachments?.[0]?.content as { actions?: { data?: { gatewayDoctor?: { intent: string; state?: string } } }[] })?.actions ?? []
  ).map((a) => `${a.data?.gatewayDoctor?.intent}@${a.data?.gatewayDoctor?.state}`);

const teams = (from: string, text: string, extra: Partial<Activity> = {}): Partial<Activity> => ({
  channelId: 'msteams',
  from: { id: from, name: 'Ana' },
  conversation: { id: `a:conv-${from}`, isGroup: false, conversationType: 'personal', name: '' },
  text,
  ...extra,
});
const press = (from: string, intent: string): Partial<Activity> =>
  teams(from, '', { value: { gatewayDoctor: { intent, state: INCIDENT_CONFIRM_STATE } } });

describe('incident commands in the chat', () => {
  it('lets an ADMIN_USERS Teams user declare an incident after confirming, once', async () => {
    const { store, adapter } = setup();
    const proposed = await send(adapter, teams('29:1abc', 'declare an incident on shop.example.com: checkout paused, back in 30 min'));
    expect(keyOf(proposed[0])).toBe('incident.command.confirmDeclareEta');
    expect(confirmButtons(proposed[0])).toEqual([`yes@${INCIDENT_CONFIRM_STATE}`, `no@${INCIDENT_CONFIRM_STATE}`]);
    expect(await store.list()).toEqual([]);

    const confirmed = await send(adapter, press('29:1abc', 'yes'));
    expect(keyOf(confirmed[0])).toBe('incident.command.declared');
    expect(await store.list({ open: true })).toMatchObject([{ host: 'shop.example.com', title: 'checkout paused', etaMinutes: 30 }]);

    // A second press of the same card (a double click, a retried delivery) runs nothing again.
    const again = await send(adapter, press('29:1abc', 'yes'));
    expect(keyOf(again[0])).toBe('incident.command.expired');
    expect(await store.list()).toHaveLength(1);
  });

  it('lets an admin resolve from Slack in German, and cancelling changes nothing', async () => {
    const { store, adapter, resolvedHosts } = setup();
    await store.create({ host: 'shop.example.com', title: 'Kasse', message: '' });
    const slack = (text: string, extra: Partial<Activity> = {}): Partial<Activity> => ({
      channelId: 'slack',
      from: { id: 'U0ADMIN', name: '' },
      conversation: { id: 'D0DM', isGroup: false, conversationType: 'personal', name: '' },
      text,
      ...extra,
    });
    const cancelled = await send(adapter, slack('beende die Störung auf www.shop.example.com'));
    expect(keyOf(cancelled[0])).toBe('incident.command.confirmResolve');
    const no = await send(adapter, slack('', { value: { gatewayDoctor: { intent: 'no', state: INCIDENT_CONFIRM_STATE } } }));
    expect(keyOf(no[0])).toBe('incident.command.cancelled');
    expect(await store.list({ open: true })).toHaveLength(1);

    await send(adapter, slack('beende die Störung auf www.shop.example.com'));
    const yes = await send(adapter, slack('', { value: { gatewayDoctor: { intent: 'yes', state: INCIDENT_CONFIRM_STATE } } }));
    expect(keyOf(yes[0])).toBe('incident.command.resolved');
    expect(await store.list({ open: true })).toHaveLength(0);
    expect(resolvedHosts).toEqual(['shop.example.com']);
  });

  it('refuses everyone not in ADMIN_USERS, web chat users even when listed, and channels nobody vouches for', async () => {
    const { store, adapter } = setup();
    const refusals: Array<Partial<Activity>> = [
      teams('29:someone-else', 'declare an incident on shop.example.com: down'),
      { ...teams('w-1', 'declare an incident on shop.example.com: down'), channelId: 'webchat' },
      { ...teams('29:1abc', 'declare an incident on shop.example.com: down'), channelId: 'emulator' },
      { ...teams('U0ANA', 'resolve the incident on shop.example.com'), channelId: 'slack' },
      // A forged confirmation press without a pending command, from someone who is not an admin.
      press('29:someone-else', 'yes'),
    ];
    for (const activity of refusals) {
      const replies = await send(adapter, activity);
      expect(keyOf(replies[0])).toBe('incident.command.refused');
    }
    expect(await store.list()).toEqual([]);
  });

  it('treats Teams as unvouched when the deployment has no Bot Framework authentication', async () => {
    const { adapter } = setup({ vouched: ['slack'] });
    const replies = await send(adapter, teams('29:1abc', 'declare an incident on shop.example.com: down'));
    expect(keyOf(replies[0])).toBe('incident.command.refused');
  });

  it('leaves every other message to the conversation', async () => {
    const { adapter, handled } = setup();
    expect(await send(adapter, teams('29:1abc', 'shop.example.com shows 502'))).toEqual([]);
    expect(await send(adapter, teams('29:1abc', '', { value: { gatewayDoctor: { intent: 'yes', state: 'user.step.reload' } } }))).toEqual(
      [],
    );
    expect(handled).toEqual([false, false]);
  });
});

describe('reading incident commands in six languages', () => {
  it.each([
    ['en', 'declare an incident on shop.example.com: checkout paused, back in 30 min', 'declare', 30],
    ['es', 'declara un incidente en shop.example.com: pagos en pausa, vuelve en 45 minutos', 'declare', 45],
    ['fr', 'déclare un incident sur shop.example.com : paiement suspendu, retour dans 20 min', 'declare', 20],
    ['de', 'melde eine Störung auf shop.example.com: Kasse pausiert, zurück in 15 Minuten', 'declare', 15],
    ['pt-BR', 'declare um incidente em shop.example.com: pagamentos pausados, volta em 10 min', 'declare', 10],
    ['ja', 'shop.example.com の障害を宣言：決済を一時停止、30分で復旧予定', 'declare', 30],
    ['en', 'resolve the incident on shop.example.com', 'resolve', undefined],
    ['es', 'resuelve el incidente en shop.example.com', 'resolve', undefined],
    ['fr', "résous l'incident sur shop.example.com", 'resolve', undefined],
    ['de', 'beende die Störung auf shop.example.com', 'resolve', undefined],
    ['pt-BR', 'resolva o incidente em shop.example.com', 'resolve', undefined],
    ['ja', 'shop.example.com の障害を解決', 'resolve', undefined],
  ])('%s: %s', (_lng, text, action, eta) => {
    const command = parseIncidentCommand(text);
    expect(command).toMatchObject({ action, host: 'shop.example.com' });
    expect(command?.etaMinutes).toBe(eta);
    if (action === 'declare') expect(command?.title?.length).toBeGreaterThan(3);
  });

  it('reads hostile text in one pass, whatever it holds', () => {
    for (const generator of HOSTILE_GENERATORS) {
      const text = `declare an incident on shop.example.com: ${generator.build(64 * 1024)}`;
      expect(parseIncidentCommand(text)?.action).toBe('declare');
    }
    const digits = `resolve the incident on shop.example.com: ${'1234567 '.repeat(10_000)}`;
    expect(parseIncidentCommand(digits)?.etaMinutes).toBeUndefined();
  });

  it('is not fooled by ordinary messages', () => {
    for (const text of ['shop.example.com shows 502', 'is there an incident on shop.example.com?', 'yes', '', 'declare'.repeat(5000)]) {
      expect(parseIncidentCommand(text)).toBeUndefined();
    }
  });
});
