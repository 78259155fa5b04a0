/** Response headers for the chat pages: a Content-Security-Policy that lets the widget run and little else. */

export interface PagePolicyOptions {
  /** Extra origins the widget connects to (Azure's Direct Line when DIRECTLINE_SECRET is set). */
  connectTo?: readonly string[];
  /** Who may frame the page: `'self'` for the demo page, the allowed sites for the embed frame. */
  frameAncestors: readonly string[];
  /** What the page may show in iframes: `'self'` for the demo page, which shows the chat frame; none by default. */
  frameSources?: readonly string[];
}

/**
 * Scripts only from this server (the pages have no inline script); styles may be inline because the widget
 * and Adaptive Cards set style attributes at run time; images from data:/blob: for cards and avatars.
 */
export function contentSecurityPolicy({ connectTo = [], frameAncestors, frameSources = [] }: PagePolicyOptions): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    ["connect-src 'self'", ...connectTo].join(' '),
    ...(frameSources.length > 0 ? [`frame-src ${frameSources.join(' ')}`] : []),
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

/** An accent colour from a query: six hex digits (embed.js sends the browser-parsed colour so), or undefined. */
export function safeHexColour(value: unknown): string | undefined {
  return typeof value === 'string' && /^[0-9a-fA-F]{6}$/.test(value) ? `#${value.toLowerCase()}` : undefined;
}

/** WCAG contrast ratio of a #rrggbb colour against white. */
export function contrastOnWhite(hex: string): number {
  const channels = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16) / 255);
  const [r = 0, g = 0, b = 0] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
}

/** A site name from a query: control characters removed, trimmed, at most 60 characters; the fallback otherwise. */
export function safeSiteName(value: unknown, fallback: string): string {
  if (typeof value !== 'string') return fallback;
  const cleaned = Array.from(value)
    .filter((char) => char >= ' ' && char !== '\u007f')
    .join('')
    .trim()
    .slice(0, 60);
  return cleaned || fallback;
}
