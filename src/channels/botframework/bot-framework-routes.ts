/**
 * `POST /api/messages`: Teams, Azure Bot Service channels and the Emulator, through botbuilder's CloudAdapter.
 *
 * The route does the SDK's `process()` itself so that every failure maps to the right status: a bad or
 * forged token is 401 (never a 500 carrying the SDK's error text), and without an app id the route serves
 * only local development (the Emulator on this machine, replies to a loopback connector or inline).
 */
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  type Activity,
  type ActivityHandler,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { AuthenticateRequestResult, BotFrameworkAuthentication } from 'botframework-connector';
import type { Request, Response } from 'restify';
import { z } from 'zod';
import type { Config } from '../../config';
import type { ClientAddress } from '../../http/client-address';
import type { Logger } from '../../observability/logger';
import type { RouteSpec } from '../../server';
import { ClientCachingAuthentication } from './client-cache';

/** The least an activity must be before the SDK sees it; the SDK validates the rest. */
const activityShape = z
  .object({
    type: z.string().min(1).max(64),
    id: z.string().max(1024).optional(),
    text: z.string().max(100_000).optional(),
    channelId: z.string().max(256).optional(),
    serviceUrl: z.string().max(2048).optional(),
    deliveryMode: z.string().max(64).optional(),
  })
  .passthrough();

/** Bot Framework tokens are RS256 JWTs naming their signing key; anything else is refused unread. */
const jwtHeaderShape = z.object({ alg: z.literal('RS256'), kid: z.string().min(1).max(256) }).passthrough();
/**
 * Issuers of Bot Framework and Entra ID tokens (public and US government clouds). A token from anyone else
 * is refused before the SDK fetches signing keys for it.
 */
const TRUSTED_ISSUER_HOSTS: readonly string[] = [
  'api.botframework.com',
  'api.botframework.us',
  'sts.windows.net',
  'login.microsoftonline.com',
  'login.microsoftonline.us',
];
const BEARER_JWT = /^Bearer ([A-Za-z0-9_-]{1,4096})\.([A-Za-z0-9_-]{1,16384})\.([A-Za-z0-9_-]{1,4096})$/;
const jwtPayloadShape = z.object({ iss: z.string().max(512).refine(isTrustedIssuer) }).passthrough();

function isTrustedIssuer(iss: string): boolean {
  try {
    const url = new URL(iss);
    return url.protocol === 'https:' && TRUSTED_ISSUER_HOSTS.includes(url.hostname);
  } catch {
    return false;
  }
}

/** A CloudAdapter that lets the route run an activity it has already authenticated. */
export class GatewayCloudAdapter extends CloudAdapter {
  constructor(readonly authentication: BotFrameworkAuthentication) {
    super(authentication);
  }

  /** Runs the bot on an authenticated activity; answers what `expectReplies` and invokes need. */
  runAuthenticated(
    result: AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(result, activity, logic);
  }
}

/** Builds the adapter: unauthenticated for local use when no app id is configured (and says so once). */
export function createCloudAdapter(bot: Readonly<Config['bot']>, logger: Logger): GatewayCloudAdapter {
  if (!bot.appId) {
    logger.warn(
      'MicrosoftAppId is not set: /api/messages serves only local development (the Emulator on this machine, a loopback serviceUrl or ' +
        'expectReplies)',
    );
  }
  const settings = {
    MicrosoftAppId: bot.appId ?? '',
    MicrosoftAppPassword: bot.appPassword ?? '',
    MicrosoftAppTenantId: bot.appTenantId ?? '',
    MicrosoftAppType: bot.appType ?? (bot.appId ? 'MultiTenant' : ''),
  };
  const credentials = new ConfigurationServiceClientCredentialFactory(settings);
  // The SDK would build a new connector and user-token client for every activity (client-cache.ts).
  const adapter = new GatewayCloudAdapter(
    new ClientCachingAuthentication(new ConfigurationBotFrameworkAuthentication(settings, credentials)),
  );
  adapter.onTurnError = async (context: TurnContext, err: Error) => {
    logger.error({ err, channelId: context.activity.channelId }, 'unhandled turn error');
  };
  return adapter;
}

export interface BotFrameworkRoutesDeps {
  adapter: GatewayCloudAdapter;
  bot: ActivityHandler;
  logger: Logger;
  /** True when MicrosoftAppId is set: every request must carry a valid token. */
  authenticated: boolean;
  /** The client's address under TRUST_PROXY (local development is judged on it). */
  clientAddress: ClientAddress;
  /** TRUST_PROXY is set: forwarding headers were already weighed by `clientAddress`. */
  trustsProxy: boolean;
  /**
   * Channel ids that arrive through doors of our own (Slack's routes, our Direct Line, the terminal). An
   * activity claiming one of them on /api/messages is refused: its replies and proactive messages would
   * otherwise be routed into that channel's conversations.
   */
  reservedChannelIds: readonly string[];
}

/** The route, with the body and the caller checked before the SDK sees them. */
export function createBotFrameworkRoutes(deps: BotFrameworkRoutesDeps): RouteSpec[] {
  const { adapter, bot, logger, authenticated, clientAddress, trustsProxy, reservedChannelIds } = deps;
  const log = logger.child({ channel: 'botframework' });
  const logic = (context: TurnContext) => bot.run(context);

  const refuse = (res: Response, status: number, error: string, message: string): void => {
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    res.send(status, { error, message });
  };

  return [
    {
      method: 'post',
      path: '/api/messages',
      name: 'botframework-messages',
      handler: async (req: Request, res: Response) => {
        const parsed = activityShape.safeParse(req.body);
        if (!parsed.success) {
          refuse(res, 400, 'bad_request', 'Send one Bot Framework activity as a JSON object with a type.');
          return;
        }
        const activity = toActivity(parsed.data);
        if (activity.channelId && reservedChannelIds.includes(activity.channelId)) {
          refuse(res, 403, 'forbidden', 'That channel does not come through /api/messages.');
          return;
        }

        const authHeader = req.header('authorization') ?? '';
        if (!authenticated) {
          const local = isLocalRequest(req, clientAddress, trustsProxy);
          const inline = activity.deliveryMode === 'expectReplies';
          if (!local || !(inline || isLoopbackUrl(activity.serviceUrl))) {
            log.warn(
              { client: clientAddress(req) },
              'refused /api/messages: without MicrosoftAppId only local development is served; set MicrosoftAppId and ' +
                'MicrosoftAppPassword to accept Bot Framework channels',
            );
            refuse(res, 401, 'unauthorized', 'This bot accepts only authenticated Bot Framework requests.');
            return;
          }
        } else if (!looksLikeBotFrameworkToken(authHeader)) {
          refuse(res, 401, 'unauthorized', 'A valid Bot Framework token is required.');
          return;
        }

        let authResult: AuthenticateRequestResult;
        try {
          authResult = await adapter.authentication.authenticateRequest(activity, authHeader);
        } catch (err) {
          // The SDK's reasons (expired, wrong audience, unknown key...) go to the log, never to the caller.
          log.warn({ reason: (err as Error).message?.slice(0, 200) }, 'refused /api/messages: token not valid');
          refuse(res, 401, 'unauthorized', 'A valid Bot Framework token is required.');
          return;
        }

        let invokeResponse: InvokeResponse | undefined;
        try {
          invokeResponse = await adapter.runAuthenticated(authResult, activity, logic);
        } catch (err) {
          log.error({ err }, '/api/messages turn failed');
          refuse(res, 500, 'internal', 'Something went wrong on our side; the activity was not processed.');
          return;
        }
        res.status(invokeResponse?.status ?? 200);
        if (invokeResponse?.body !== undefined) res.send(invokeResponse.body);
        else res.end();
      },
    },
  ];
}

/** The SDK's own fix-ups: timestamps as Dates (it keeps the raw strings alongside). */
function toActivity(body: Record<string, unknown>): Activity {
  const activity = { ...body } as Record<string, unknown>;
  for (const field of ['timestamp', 'expiration', 'localTimestamp'] as const) {
    const value = activity[field];
    if (typeof value !== 'string') continue;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) {
      delete activity[field];
      continue;
    }
    activity[`raw${field[0]?.toUpperCase()}${field.slice(1)}`] = value;
    activity[field] = date;
  }
  return activity as unknown as Activity;
}

/** A shape check that refuses `alg: none`, HS256, strangers' issuers and garbage before any key is fetched. */
export function looksLikeBotFrameworkToken(header: string): boolean {
  const match = BEARER_JWT.exec(header);
  if (!match?.[1] || !match[2]) return false;
  try {
    return jwtHeaderShape.safeParse(decodeSegment(match[1])).success && jwtPayloadShape.safeParse(decodeSegment(match[2])).success;
  } catch {
    return false;
  }
}

function decodeSegment(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

/**
 * From this machine: the client address is loopback. Behind a proxy on this machine that TRUST_PROXY does
 * not name, every request would look local, so an unvouched forwarding header disqualifies it.
 */
export function isLocalRequest(req: IncomingMessage, clientAddress: ClientAddress, trustsProxy: boolean): boolean {
  if (!isLoopbackAddress(clientAddress(req))) return false;
  return trustsProxy || (req.headers['x-forwarded-for'] === undefined && req.headers.forwarded === undefined);
}

/** A connector URL on this machine (the Emulator's), so replies cannot be relayed anywhere else. */
export function isLoopbackUrl(value: string | undefined): boolean {
  if (!value) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.username || url.password) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || isLoopbackAddress(host);
}

function isLoopbackAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return parsed.range() === 'loopback';
}
