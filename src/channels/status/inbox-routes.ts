/**
 * The agent inbox: `GET /status/inbox` (a page that asks for the admin token and keeps it in
 * sessionStorage, never in the URL) and its API under the admin bearer check: `GET /api/admin/handoffs`,
 * `POST /api/admin/handoffs/{id}/messages`, `POST /api/admin/handoffs/{id}/end`. An agent without Slack or
 * Teams answers cases here; the words reach the person like a reply in the case's thread would.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { i18n as I18n } from 'i18next';
import type { Request, Response } from 'restify';
import { z } from 'zod';
import { LOCALES, type LocaleId } from '../../contracts';
import { createI18n } from '../../core/i18n';
import { bearerMatches, type RouteSpec } from '../../server';
import type { HandoffDesk } from '../handoff/handoff-desk';
import { MAX_RELAY_CHARS } from '../handoff/handoff-desk';
import type { HandoffCaseView } from '../handoff/handoff-store';
import { parseHtmlTemplate, jsonForScript } from './html-template';
import { localeFromAcceptLanguage, supportedLocale } from './status-page';

export const INBOX_PATH = '/status/inbox';
export const INBOX_SCRIPT_PATH = '/assets/inbox.js';
export const INBOX_STYLES_PATH = '/assets/inbox.css';

/** The page runs only our own script and talks only to our own API. */
const INBOX_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

export interface InboxRoutesDeps {
  desk: HandoffDesk;
  /** ADMIN_API_TOKEN; without it the inbox API answers 404 (off) and the page says so. */
  adminApiToken?: string;
  /** How many open cases the list shows at most. */
  listLimit?: number;
  /** The page speaks the agent's language (`?lang=`, then Accept-Language); default: a fresh instance. */
  i18n?: I18n;
  /** When neither names a language we speak. Default English. */
  defaultLocale?: LocaleId;
}

/** The page's placeholders: its sentences, its language and the client's sentences as JSON. */
const PAGE_TEXT = ['title', 'heading', 'intro', 'boardLink', 'tokenLabel', 'signIn', 'nameLabel', 'signOut'] as const;
type PageSlot = (typeof PAGE_TEXT)[number] | 'lang' | 'boardHref' | 'strings';
const PAGE_SLOTS: Record<PageSlot, 'text' | 'markup'> = {
  ...(Object.fromEntries(PAGE_TEXT.map((key) => [key, 'text'])) as Record<(typeof PAGE_TEXT)[number], 'text'>),
  lang: 'text',
  boardHref: 'text',
  strings: 'markup',
};

/** `status:inbox` of a language, its gaps filled from English. */
function inboxStrings(i18n: I18n, locale: LocaleId): { page: Record<string, string>; clientJson: string } {
  const of = (lng: string) => (i18n.getResource(lng, 'status', 'inbox') ?? {}) as Record<string, unknown>;
  const english = of('en');
  const own = of(locale);
  const strings = (value: unknown) =>
    Object.fromEntries(
      Object.entries((value ?? {}) as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  return {
    page: { ...strings(english), ...strings(own) },
    clientJson: jsonForScript({ ...strings(english.client), ...strings(own.client) }),
  };
}

const CASE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const messageSchema = z.object({
  text: z.string().trim().min(1).max(MAX_RELAY_CHARS),
  name: z.string().trim().min(1).max(80).optional(),
});
const endSchema = z.object({ name: z.string().trim().min(1).max(80).optional() }).optional();

/** The page's files, beside this module (sources, tests) or in the sources when running a `dist/` build. */
function asset(name: string): string {
  const beside = join(__dirname, 'inbox-assets');
  const dir = existsSync(join(beside, name))
    ? beside
    : join(__dirname, '..', '..', '..', '..', 'src', 'channels', 'status', 'inbox-assets');
  return readFileSync(join(dir, name), 'utf8');
}

/** A case as the inbox shows it: no conversation reference (it carries service URLs and ids agents need not see). */
function publicCase(view: HandoffCaseView) {
  return {
    id: view.id,
    status: view.status,
    createdAt: view.createdAt,
    locale: view.locale,
    source: view.source,
    agentName: view.agentName,
    summary: view.summary,
    transcript: view.transcript,
    postedTo: { slack: Boolean(view.links.slack), teams: Boolean(view.links.teams) },
  };
}

/** The inbox page, its assets and its API, ready for `createServer({ routes })`. */
export function createInboxRoutes({
  desk,
  adminApiToken,
  listLimit = 100,
  i18n = createI18n(),
  defaultLocale = 'en',
}: InboxRoutesDeps): RouteSpec[] {
  const page = parseHtmlTemplate(asset('inbox.html'), PAGE_SLOTS, 'inbox.html');
  // Each language's sentences are merged once, not on every request.
  const stringsByLocale = new Map(LOCALES.map((locale) => [locale, inboxStrings(i18n, locale)]));
  const script = asset('inbox.js');
  const styles = asset('inbox.css');

  const requireAdmin = (req: Request, res: Response): boolean => {
    if (!adminApiToken) {
      res.send(404, { error: 'not_found', message: 'The admin API is off: set ADMIN_API_TOKEN to enable it.' });
      return false;
    }
    if (!bearerMatches(req.header('authorization'), adminApiToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      res.send(401, { error: 'unauthorized', message: 'A valid bearer token is required.' });
      return false;
    }
    return true;
  };

  /** The open case named in the path, or an answer (404 unknown, 409 closed) and undefined. */
  const caseOf = async (req: Request, res: Response) => {
    const id = typeof req.params?.id === 'string' ? req.params.id : '';
    const record = CASE_ID.test(id) ? await desk.store.get(id) : undefined;
    if (!record) {
      res.send(404, { error: 'not_found', message: 'No hand-off case has that id.' });
      return undefined;
    }
    if (record.status === 'ended') {
      res.send(409, { error: 'case_closed', message: 'That case is closed: the person is back with the bot.' });
      return undefined;
    }
    return record;
  };

  const sendText = (res: Response, type: string, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
    res.end(body);
  };

  return [
    {
      method: 'get',
      path: INBOX_PATH,
      name: 'inbox-page',
      handler: async (req, res) => {
        const query = (req.query ?? {}) as Record<string, unknown>;
        const chosen = typeof query.lang === 'string' ? supportedLocale(query.lang) : undefined;
        const locale = chosen ?? localeFromAcceptLanguage(req.header('accept-language'), defaultLocale);
        const { page: text, clientJson } = stringsByLocale.get(locale) ?? inboxStrings(i18n, locale);
        const html = page.render({
          ...(Object.fromEntries(PAGE_TEXT.map((key) => [key, text[key] ?? ''])) as Record<(typeof PAGE_TEXT)[number], string>),
          lang: locale,
          boardHref: chosen ? `/status?lang=${encodeURIComponent(locale)}` : '/status',
          strings: clientJson,
        });
        sendText(res, 'text/html; charset=utf-8', html, {
          'Content-Security-Policy': INBOX_CSP,
          'Content-Language': locale,
          Vary: 'Accept-Language',
        });
      },
    },
    {
      method: 'get',
      path: INBOX_SCRIPT_PATH,
      name: 'inbox-script',
      handler: async (_req, res) => sendText(res, 'text/javascript; charset=utf-8', script),
    },
    {
      method: 'get',
      path: INBOX_STYLES_PATH,
      name: 'inbox-styles',
      handler: async (_req, res) => sendText(res, 'text/css; charset=utf-8', styles),
    },
    {
      method: 'get',
      path: '/api/admin/handoffs',
      name: 'admin-handoffs',
      handler: async (req, res) => {
        if (!requireAdmin(req, res)) return;
        res.setHeader('Cache-Control', 'no-store');
        res.send(200, { cases: (await desk.store.listOpen(listLimit)).map(publicCase) });
      },
    },
    {
      method: 'post',
      path: '/api/admin/handoffs/:id/messages',
      name: 'admin-handoff-message',
      handler: async (req, res) => {
        if (!requireAdmin(req, res)) return;
        const body = messageSchema.safeParse(req.body);
        if (!body.success) {
          res.send(400, {
            error: 'bad_request',
            message: `Send {"text": "...", "name"?: "..."}: text of 1 to ${MAX_RELAY_CHARS} characters.`,
          });
          return;
        }
        const record = await caseOf(req, res);
        if (!record) return;
        // A retried request with the same Idempotency-Key reaches the person once, whichever instance takes it.
        const key = req.header('idempotency-key');
        const messageId = key && key.length <= 200 ? key : randomUUID();
        const result = await desk.fromAgent(record, {
          ...(body.data.name ? { name: body.data.name } : {}),
          text: body.data.text,
          messageId,
          via: 'inbox',
        });
        if (result === 'closed') {
          res.send(409, { error: 'case_closed', message: 'That case is closed: the person is back with the bot.' });
          return;
        }
        res.send(202, { result });
      },
    },
    {
      method: 'post',
      path: '/api/admin/handoffs/:id/end',
      name: 'admin-handoff-end',
      handler: async (req, res) => {
        if (!requireAdmin(req, res)) return;
        const body = endSchema.safeParse(req.body ?? undefined);
        if (!body.success) {
          res.send(400, { error: 'bad_request', message: 'Send no body, or {"name": "..."}.' });
          return;
        }
        const record = await caseOf(req, res);
        if (!record) return;
        const ended = await desk.endByAgent(record, body.data?.name);
        res.send(ended ? 200 : 409, ended ? { result: 'ended' } : { error: 'case_closed', message: 'That case is already closed.' });
      },
    },
  ];
}
