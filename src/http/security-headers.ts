/**
 * Headers every answer carries unless a route sets its own (the HTML pages replace the CSP with a page
 * policy that lets the widget or the board run). JSON and scripts need none of what a browser could do
 * with them: no framing, no sniffing, no referrer.
 */
export const securityHeaders: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
});
