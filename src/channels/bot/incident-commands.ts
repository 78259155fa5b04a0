/**
 * The help desk's incident commands in the chat: declare or resolve an incident, confirmed with a card.
 *
 * Who may: the sender's `channelId:from.id` must be in ADMIN_USERS, and the channel must vouch for that id
 * (Teams behind Bot Framework authentication, Slack behind its signature). Web chat ids are chosen by the
 * browser, so web chat users are never admins, whatever the list says. Everyone else is told they can't.
 *
 * The command waits in storage until its card's "confirm" is pressed; the press claims it with an
 * eTag-checked write, so a double click (or a retried delivery) runs it once.
 */
import { ActivityTypes, TurnContext, type Storage } from 'botbuilder';
import type { i18n as I18n } from 'i18next';
import { z } from 'zod';
import type { LocaleId } from '../../contracts';
import type { Reply } from '../../../dialogs/types';
import type { TranslationKey } from '../../../dialogs/translation-keys';
import { resolveLocale, translatorFor } from '../../core/i18n';
import { parseIncidentCommand } from '../../core/understanding/incident-commands';
import { hostMatches, normaliseHost, normaliseHostPattern } from '../../incidents/host-match';
import type { IncidentService } from '../../incidents/incident-service';
import type { Logger } from '../../observability/logger';
import { isStorageError } from '../../storage/storage-errors';
import { renderReplyActivity } from '../render/activity';
import { buttonPress } from './gateway-doctor-bot';

/** The state the confirmation card's buttons carry back (not a machine state: the machine never sees these turns). */
export const INCIDENT_CONFIRM_STATE = 'incident.confirm';

/** Channels whose web chat ids are self-chosen: never admins. */
const UNVOUCHED_CHANNELS: ReadonlySet<string> = new Set(['webchat', 'directline', 'console']);

/** How long a confirmation card stays valid. */
const PENDING_MS = 10 * 60 * 1000;

const pendingSchema = z.object({
  action: z.enum(['declare', 'resolve']),
  by: z.string(),
  host: z.string(),
  title: z.string(),
  message: z.string(),
  etaMinutes: z.number().int().min(0).optional(),
  incidentId: z.string().optional(),
  expiresAt: z.number(),
  consumed: z.boolean().optional(),
});
type Pending = z.infer<typeof pendingSchema>;

export interface IncidentCommandsOptions {
  incidents: IncidentService;
  storage: Storage;
  i18n: I18n;
  logger: Logger;
  /** ADMIN_USERS: `channelId:userId` entries. */
  adminUsers: readonly string[];
  /** Channels whose sender ids are authenticated in this deployment (e.g. `msteams` with MicrosoftAppId, `slack` with its secret). */
  vouchedChannels: ReadonlySet<string>;
  defaultLocale?: LocaleId;
  now?: () => number;
}

/** Handles a message if it is an incident command (or a press on a confirmation card); false otherwise. */
export interface IncidentCommands {
  handle(context: TurnContext): Promise<boolean>;
}

/** Builds the command handler. */
export function createIncidentCommands({
  incidents,
  storage,
  i18n,
  logger,
  adminUsers,
  vouchedChannels,
  defaultLocale = 'en',
  now = Date.now,
}: IncidentCommandsOptions): IncidentCommands {
  const admins = new Set(adminUsers);

  const isAdmin = (context: TurnContext): string | undefined => {
    const channelId = context.activity.channelId ?? '';
    const userId = context.activity.from?.id ?? '';
    const identity = `${channelId}:${userId}`;
    if (UNVOUCHED_CHANNELS.has(channelId) || !vouchedChannels.has(channelId) || userId === '') return undefined;
    return admins.has(identity) ? identity : undefined;
  };

  const say = async (context: TurnContext, key: TranslationKey, vars: Record<string, string | number> = {}, choices = false) => {
    const locale = resolveLocale(context.activity.locale, defaultLocale);
    const reply: Reply = {
      key,
      vars,
      ...(choices
        ? {
            choices: [
              { intent: 'yes', labelKey: 'incident.command.confirmButton' },
              { intent: 'no', labelKey: 'incident.command.cancelButton' },
            ],
          }
        : {}),
    };
    await context.sendActivity(
      renderReplyActivity(reply, translatorFor(i18n, locale), {
        channelId: context.activity.channelId ?? 'unknown',
        status: { state: INCIDENT_CONFIRM_STATE },
        locale,
      }),
    );
  };

  const keyOf = (context: TurnContext) => `incident-command/${context.activity.channelId ?? ''}/${context.activity.conversation?.id ?? ''}`;

  async function confirm(context: TurnContext, intent: string): Promise<void> {
    const identity = isAdmin(context);
    if (!identity) return say(context, 'incident.command.refused');
    const key = keyOf(context);
    const stored = (await storage.read([key]))[key] as (Record<string, unknown> & { eTag?: string }) | undefined;
    const parsed = pendingSchema.safeParse(stored);
    if (!parsed.success || parsed.data.consumed || parsed.data.expiresAt <= now() || parsed.data.by !== identity) {
      return say(context, 'incident.command.expired');
    }
    const pending = parsed.data;
    try {
      // The claim: only the writer holding the eTag it read gets to run the command.
      await storage.write({ [key]: { ...pending, consumed: true, eTag: stored?.eTag ?? '*' } });
    } catch (err) {
      if (isStorageError(err, 'etag_conflict')) return;
      throw err;
    }
    if (intent !== 'yes') return say(context, 'incident.command.cancelled');
    await run(context, pending);
  }

  async function run(context: TurnContext, pending: Pending): Promise<void> {
    if (pending.action === 'declare') {
      const incident = await incidents.declare({
        host: pending.host,
        title: pending.title,
        message: pending.message,
        ...(pending.etaMinutes !== undefined ? { etaMinutes: pending.etaMinutes } : {}),
      });
      logger.info({ incident: incident.id, by: pending.by }, 'incident declared from the chat');
      return say(context, 'incident.command.declared', { host: incident.host, title: incident.title });
    }
    const outcome = await incidents.resolve(pending.incidentId ?? '');
    if (outcome.kind === 'ok') {
      logger.info({ incident: outcome.incident.id, by: pending.by }, 'incident resolved from the chat');
      return say(context, 'incident.command.resolved', { host: outcome.incident.host, count: outcome.notified });
    }
    return say(context, 'incident.command.noneOpen', { host: pending.host });
  }

  async function propose(context: TurnContext, text: string): Promise<boolean> {
    const command = parseIncidentCommand(text);
    if (!command) return false;
    const identity = isAdmin(context);
    if (!identity) {
      await say(context, 'incident.command.refused');
      return true;
    }
    const base = { by: identity, expiresAt: now() + PENDING_MS };
    let pending: Pending;
    if (command.action === 'declare') {
      const host = command.host ? normaliseHostPattern(command.host) : undefined;
      if (!host || !command.title) {
        await say(context, 'incident.command.usage');
        return true;
      }
      pending = {
        ...base,
        action: 'declare',
        host,
        title: command.title.slice(0, 200),
        message: (command.message ?? '').slice(0, 2000),
        ...(command.etaMinutes !== undefined ? { etaMinutes: command.etaMinutes } : {}),
      };
    } else {
      const host = command.host ? normaliseHost(command.host) : undefined;
      if (!host) {
        await say(context, 'incident.command.usage');
        return true;
      }
      const open = (await incidents.store.list({ open: true })).find((i) => i.host === host || hostMatches(i.host, host));
      if (!open) {
        await say(context, 'incident.command.noneOpen', { host });
        return true;
      }
      pending = { ...base, action: 'resolve', host: open.host, title: open.title, message: '', incidentId: open.id };
    }
    await storage.write({ [keyOf(context)]: { ...pending, eTag: '*' } });
    if (pending.action === 'resolve') {
      await say(context, 'incident.command.confirmResolve', { host: pending.host, title: pending.title }, true);
    } else if (pending.etaMinutes !== undefined) {
      await say(context, 'incident.command.confirmDeclareEta', { host: pending.host, title: pending.title, eta: pending.etaMinutes }, true);
    } else {
      await say(context, 'incident.command.confirmDeclare', { host: pending.host, title: pending.title }, true);
    }
    return true;
  }

  return {
    async handle(context) {
      if (context.activity.type !== ActivityTypes.Message) return false;
      const press = buttonPress(context.activity.value);
      if (press?.state === INCIDENT_CONFIRM_STATE) {
        await confirm(context, press.intent);
        return true;
      }
      if (press) return false;
      const raw = typeof context.activity.text === 'string' ? context.activity.text : '';
      // In a Teams channel the message starts with the bot's @mention.
      const text = (context.activity.channelId === 'msteams' ? (TurnContext.removeRecipientMention(context.activity) ?? raw) : raw).slice(
        0,
        4000,
      );
      return text.trim() === '' ? false : propose(context, text);
    },
  };
}
