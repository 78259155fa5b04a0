/**
 * `POST /api/messages`: Teams, Azure Bot Service channels and the Emulator, through botbuilder's CloudAdapter
 * (which authenticates every request when an app id is configured and honours `deliveryMode: expectReplies`).
 */
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  type ActivityHandler,
  type TurnContext,
} from 'botbuilder';
import type { Request, Response } from 'restify';
import { z } from 'zod';
import type { Config } from '../../config';
import type { Logger } from '../../observability/logger';
import type { RouteSpec } from '../../server';

/** The least an activity must be before the SDK sees it; the SDK validates the rest. */
const activityShape = z
  .object({
    type: z.string().min(1).max(64),
    id: z.string().max(1024).optional(),
    text: z.string().max(100_000).optional(),
    channelId: z.string().max(256).optional(),
    serviceUrl: z.string().max(2048).optional(),
  })
  .passthrough();

/** Builds the adapter: unauthenticated for local use when no app id is configured (and says so once). */
export function createCloudAdapter(bot: Readonly<Config['bot']>, logger: Logger): CloudAdapter {
  if (!bot.appId) {
    logger.warn('MicrosoftAppId is not set: /api/messages accepts unauthenticated requests (local use and the Emulator only)');
  }
  const settings = {
    MicrosoftAppId: bot.appId ?? '',
    MicrosoftAppPassword: bot.appPassword ?? '',
    MicrosoftAppTenantId: bot.appTenantId ?? '',
    MicrosoftAppType: bot.appType ?? (bot.appId ? 'MultiTenant' : ''),
  };
  const credentials = new ConfigurationServiceClientCredentialFactory(settings);
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication(settings, credentials));
  adapter.onTurnError = async (context: TurnContext, err: Error) => {
    logger.error({ err, channelId: context.activity.channelId }, 'unhandled turn error');
  };
  return adapter;
}

/** The route, with the body validated before the SDK sees it. */
export function createBotFrameworkRoutes({ adapter, bot }: { adapter: CloudAdapter; bot: ActivityHandler }): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/api/messages',
      name: 'botframework-messages',
      handler: async (req: Request, res: Response) => {
        const parsed = activityShape.safeParse(req.body);
        if (!parsed.success) {
          res.send(400, { error: 'bad_request', message: 'Send one Bot Framework activity as a JSON object with a type.' });
          return;
        }
        await adapter.process(req, res, (context) => bot.run(context));
      },
    },
  ];
}
