/**
 * Installing the Slack app into more workspaces: `GET /api/slack/install` redirects to Slack's authorize
 * page with a signed state (and the same state in a cookie), `GET /api/slack/oauth/callback` checks both
 * and exchanges the code at Slack's `oauth.v2.access` (SLACK_API_URL), then stores the team's bot token.
 * @slack/oauth's InstallProvider does the protocol; a forged or replayed state is refused with 400.
 */
import { createHash } from 'node:crypto';
import { ClearStateStore, InstallProvider, type StateStore } from '@slack/oauth';
import type { ActivityDedupe } from '../../storage/activity-dedupe';
import type { Request, Response } from 'restify';
import type { Logger } from '../../observability/logger';
import type { RouteSpec } from '../../server';
import { errorSummary } from './slack-adapter';
import { toInstallationStore, type SlackInstallations } from './slack-installations';

/** The bot scopes the app asks for: the events and Web API methods it uses. */
export const SLACK_BOT_SCOPES = ['app_mentions:read', 'chat:write', 'im:history', 'channels:history', 'groups:history', 'users:read'];

export interface SlackOAuthRoutesDeps {
  /** SLACK_CLIENT_ID and SLACK_CLIENT_SECRET; without both the routes answer 404 (install flow off). */
  clientId?: string;
  clientSecret?: string;
  installations: SlackInstallations;
  /** SLACK_API_URL: where `oauth.v2.access` is called (tests: a fake on loopback). */
  apiUrl?: string;
  /** Where Slack sends people back (`<PUBLIC_URL>/api/slack/oauth/callback`); Slack's app setting when absent. */
  redirectUri?: string;
  /** Remembers used states (shared by every instance), so a state is good for one install only. */
  dedupe: ActivityDedupe;
  logger: Logger;
}

/** How long a state is valid: Slack's consent page rarely takes longer. */
const STATE_TTL_SECONDS = 600;

/**
 * Signed states (a JWT with the state secret, @slack/oauth's ClearStateStore) that are also single-use:
 * a captured callback URL cannot install twice, whichever instance it reaches.
 */
function singleUseStates(secret: string, dedupe: ActivityDedupe): StateStore {
  const signed = new ClearStateStore(secret, STATE_TTL_SECONDS);
  return {
    generateStateParam: (options, now) => signed.generateStateParam(options, now),
    async verifyStateParam(now, state) {
      const options = await signed.verifyStateParam(now, state);
      const id = createHash('sha256').update(state).digest('base64url');
      if (!(await dedupe.firstSeen(`slack/oauth-state/${id}`, STATE_TTL_SECONDS * 1000)))
        throw new Error('this install link was already used');
      return options;
    },
  };
}

const OFF = { error: 'not_found', message: 'Slack installs are off: set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to enable them.' };

function page(res: Response, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

/** The install and callback routes, ready for `createServer({ routes })`. */
export function createSlackOAuthRoutes({
  clientId,
  clientSecret,
  installations,
  apiUrl,
  redirectUri,
  dedupe,
  logger,
}: SlackOAuthRoutesDeps): RouteSpec[] {
  const log = logger.child({ channel: 'slack', component: 'oauth' });
  const installer =
    clientId && clientSecret
      ? new InstallProvider({
          clientId,
          clientSecret,
          // The state is a JWT signed with this secret; the cookie binds it to the browser that started.
          stateStore: singleUseStates(`gateway-doctor-state:${clientSecret}`, dedupe),
          stateCookieExpirationSeconds: STATE_TTL_SECONDS,
          directInstall: true,
          installationStore: toInstallationStore(installations),
          installUrlOptions: { scopes: SLACK_BOT_SCOPES, ...(redirectUri ? { redirectUri } : {}) },
          ...(apiUrl ? { clientOptions: { slackApiUrl: apiUrl } } : {}),
        })
      : undefined;

  return [
    {
      method: 'get',
      path: '/api/slack/install',
      name: 'slack-install',
      handler: async (req: Request, res: Response) => {
        if (!installer) return void res.send(404, OFF);
        await installer.handleInstallPath(req, res);
      },
    },
    {
      method: 'get',
      path: '/api/slack/oauth/callback',
      name: 'slack-oauth-callback',
      handler: async (req: Request, res: Response) => {
        if (!installer) return void res.send(404, OFF);
        await installer.handleCallback(req, res, {
          success: (installation, _options, _req, answer) => {
            log.info({ teamId: installation.team?.id }, 'slack workspace installed');
            page(answer as Response, 200, 'Gateway Doctor is installed in your Slack workspace. You can close this page.');
          },
          failure: (error, _options, _req, answer) => {
            log.warn({ err: errorSummary(error) }, 'slack install refused');
            page(
              answer as Response,
              400,
              'The installation could not be completed (the link expired or was not started here). Please start again.',
            );
          },
        });
      },
    },
  ];
}
