/**
 * The web pages around the widget: the help desk demo page, the one-line embed, the frame the embed opens,
 * and the widget bundle itself, served from node_modules (no CDN).
 */
import { createReadStream, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { i18n as I18n } from 'i18next';
import type { Request, Response } from 'restify';
import { createI18n, resolveLocale } from '../../core/i18n';
import type { RouteSpec } from '../../server';
import { CHAT_CLIENT_SCRIPT } from './pages/chat-client-script';
import { renderChatFramePage } from './pages/chat-frame-page';
import { renderEmbedScript } from './pages/embed-script';
import { renderHelpCentrePage } from './pages/help-centre-page';
import {
  contentSecurityPolicy,
  contrastOnWhite,
  safeHexColour,
  safeLocale,
  safeSiteName,
  withWebSocketOrigins,
} from './pages/page-security';
import { embedStringsByLocale, widgetStrings } from './pages/widget-strings';
import { DEFAULT_MAX_TEXT_LENGTH } from './routes/activity-schemas';

const gzip = promisify(gzipCallback);

export interface WebChatPageOptions {
  /** Sites allowed to embed the chat (WEBCHAT_ALLOWED_ORIGINS); empty: any site. */
  allowedOrigins?: readonly string[];
  /** Azure's Direct Line origin when DIRECTLINE_SECRET is used, so the pages' CSP lets the widget reach it. */
  directLineOrigin?: string;
  /** The widget's language when the page asks for none (DEFAULT_LOCALE). */
  defaultLocale?: string;
  /** The widget's UMD bundle; botframework-webchat's `dist/webchat.js` by default. */
  webchatBundlePath?: string;
  /** The translations the widget's strings come from; the locales/ folder by default. */
  i18n?: I18n;
  /** The longest message Direct Line takes, shown to people as they type (the Direct Line routes' cap). */
  maxTextLength?: number;
}

/** The chat's name when the embedding site sets no `data-title`. */
const DEFAULT_SITE_NAME = 'Gateway Doctor';
/** The widget's accent when the site sets none, or one too pale for text on white (WCAG AA: 4.5:1). */
const DEFAULT_ACCENT = '#0b5cad';

/** botframework-webchat's folder, found through its entry point (its package.json is not exported). */
function webchatPackageDir(): string {
  return path.resolve(path.dirname(require.resolve('botframework-webchat')), '..');
}

/** Builds the page and asset routes for `createServer({ routes })`. */
export function createWebChatPageRoutes(options: WebChatPageOptions = {}): RouteSpec[] {
  const { allowedOrigins = [], directLineOrigin, defaultLocale = 'en-US', maxTextLength = DEFAULT_MAX_TEXT_LENGTH } = options;
  const i18n = options.i18n ?? createI18n();
  const embedScript = renderEmbedScript({ strings: embedStringsByLocale(i18n), defaultTitle: DEFAULT_SITE_NAME });
  const bundlePath = options.webchatBundlePath ?? path.join(webchatPackageDir(), 'dist', 'webchat.js');
  const bundle = createStaticAsset(bundlePath);
  const widgetVersion = readWidgetVersion();
  const connectTo = directLineOrigin ? withWebSocketOrigins([directLineOrigin]) : [];

  const sendHtml = (res: Response, html: string, frameAncestors: readonly string[], frameSources: readonly string[] = []): void => {
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': contentSecurityPolicy({ connectTo, frameAncestors, frameSources }),
    });
    res.end(html);
  };

  const sendScript = (res: Response, source: string, maxAgeSeconds: number): void => {
    res.writeHead(200, {
      'Content-Type': 'application/javascript; charset=utf-8',
      'Cache-Control': `public, max-age=${maxAgeSeconds}`,
    });
    res.end(source);
  };

  const localeOf = (req: Request): string => safeLocale(req.query?.locale, safeLocale(defaultLocale));
  const stringsOf = (locale: string) => widgetStrings(i18n, resolveLocale(locale, resolveLocale(defaultLocale)));
  const accentOf = (req: Request): string => {
    const accent = safeHexColour(req.query?.accent);
    return accent !== undefined && contrastOnWhite(accent) >= 4.5 ? accent : DEFAULT_ACCENT;
  };

  const renderFrame = (req: Request): string => {
    const locale = localeOf(req);
    return renderChatFramePage({
      locale,
      widgetVersion,
      strings: stringsOf(locale),
      name: safeSiteName(req.query?.name, DEFAULT_SITE_NAME),
      accent: accentOf(req),
      maxTextLength,
    });
  };

  const renderDemo = (req: Request): string => {
    const locale = localeOf(req);
    return renderHelpCentrePage({ locale, frameTitle: stringsOf(locale).frameTitle.split('{{name}}').join(DEFAULT_SITE_NAME) });
  };

  return [
    {
      method: 'get',
      path: '/',
      name: 'webchat-demo-page',
      handler: async (req, res) => sendHtml(res, renderDemo(req), ["'self'"], ["'self'"]),
    },
    {
      method: 'get',
      path: '/embed/frame',
      name: 'webchat-embed-frame',
      handler: async (req, res) => sendHtml(res, renderFrame(req), allowedOrigins.length > 0 ? ["'self'", ...allowedOrigins] : ['*']),
    },
    // Short cache: a site that embeds us picks up a fixed embed.js within minutes.
    { method: 'get', path: '/embed.js', name: 'webchat-embed-script', handler: async (_req, res) => sendScript(res, embedScript, 300) },
    {
      method: 'get',
      path: '/assets/chat.js',
      name: 'webchat-client-script',
      handler: async (_req, res) => sendScript(res, CHAT_CLIENT_SCRIPT, 300),
    },
    { method: 'get', path: '/assets/webchat.js', name: 'webchat-bundle', handler: bundle },
  ];
}

/** The installed widget's version, for cache-busting URLs; 'dev' when it cannot be read. */
function readWidgetVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(webchatPackageDir(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'dev';
  } catch {
    return 'dev';
  }
}

/**
 * Serves one large static file: streamed as is, or gzipped once and kept in memory (about a quarter of the
 * size) for clients that accept it; ETag and a day of caching either way.
 */
export function createStaticAsset(
  filePath: string,
  contentType = 'application/javascript; charset=utf-8',
): (req: Request, res: Response) => Promise<void> {
  let compressed: Promise<Buffer> | undefined;
  let stat: Promise<{ size: number; etag: string }> | undefined;

  const describe = (): Promise<{ size: number; etag: string }> => {
    stat ??= fs.stat(filePath).then((s) => ({ size: s.size, etag: `"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"` }));
    // A failed stat (file missing) is retried on the next request rather than cached.
    stat.catch(() => (stat = undefined));
    return stat;
  };

  return async (req, res) => {
    const { size, etag } = await describe();
    const headers = {
      'Content-Type': contentType,
      'Cache-Control': 'public, max-age=86400',
      ETag: etag,
      Vary: 'Accept-Encoding',
    };
    if (req.header('if-none-match') === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    if (/\bgzip\b/i.test(req.header('accept-encoding') ?? '')) {
      compressed ??= fs.readFile(filePath).then((raw) => gzip(raw));
      compressed.catch(() => (compressed = undefined));
      const body = await compressed;
      res.writeHead(200, { ...headers, 'Content-Encoding': 'gzip', 'Content-Length': String(body.length) });
      res.end(body);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(size) });
    await pipeline(createReadStream(filePath), res);
  };
}
