/** Response headers for the chat pages: a Content-Security-Policy that lets the widget run and little else. */

export interface PagePolicyOptions {
  /** Extra origins the widget connects to (Azure's Direct Line when DIRECTLINE_SECRET is set). */
  connectTo?: readonly string[];
  /** Who may frame the page: `'self'` for the demo page, the allowed sites for the embed frame. */
  frameAncestors: readonly string[];
}

/**
 * Scripts only from this server (the pages have no inline script); styles may be inline because the widget
 * and Adaptive Cards set style attributes at run time; images from data:/blob: for cards and avatars.
 */
export function contentSecurityPolicy({ connectTo = [], frameAncestors }: PagePolicyOptions): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    ["connect-src 'self'", ...connectTo].join(' '),
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'"}`,
  ].join('; ');
}

/** `ws(s)://` twins of http(s) origins, for connect-src. */
export function withWebSocketOrigins(origins: readonly string[]): string[] {
  return origins.flatMap((origin) => [origin, origin.replace(/^http/, 'ws')]);
}

/** A locale tag safe to put in a page and hand to the widget; the fallback otherwise. */
export function safeLocale(value: unknown, fallback = 'en-US'): string {
  return typeof value === 'string' && /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,4}$/.test(value) ? value : fallback;
}
