/**
 * Small HTTP pieces of the Direct Line routes: where this server is reachable from the client's side, and
 * the token in a request.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** Host headers we are willing to echo into URLs (a name or an IP literal, and an optional port). */
const HOST_PATTERN = /^(?:[a-z0-9](?:[a-z0-9.-]{0,253})|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?$/i;

/** The server as the browser sees it: `http(s)://host[:port]` and the matching `ws(s)://` origin. */
export interface PublicBase {
  http: string;
  ws: string;
}

/**
 * `publicUrl` when configured (the only trustworthy answer behind a proxy); otherwise the request's Host,
 * with `X-Forwarded-Proto` honoured only for the scheme so an https page never gets a ws:// stream.
 */
export function publicBaseFor(req: IncomingMessage, publicUrl?: string): PublicBase | undefined {
  if (publicUrl) {
    const url = new URL(publicUrl);
    return { http: url.origin, ws: url.origin.replace(/^http/, 'ws') };
  }
  const host = req.headers.host;
  if (!host || !HOST_PATTERN.test(host)) return undefined;
  const forwarded = String(req.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    ?.trim()
    .toLowerCase();
  const encrypted = (req.socket as Partial<TLSSocket>).encrypted === true;
  const secure = forwarded === 'https' || (forwarded !== 'http' && encrypted);
  return { http: `${secure ? 'https' : 'http'}://${host}`, ws: `${secure ? 'wss' : 'ws'}://${host}` };
}

/** The token of `Authorization: Bearer <token>`, or undefined when the header is absent or of another kind. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
