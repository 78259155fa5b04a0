/**
 * JSON answers that a poller can revalidate: an entity tag from the body's bytes, and 304 Not Modified when
 * the client already holds them. The status board polls `GET /api/status` this way, so an unchanged board
 * costs one small answer and no body.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'restify';

/** The strong entity tag of a body: a quoted SHA-256 prefix, enough to tell versions of one resource apart. */
export function entityTag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** True when `If-None-Match` (a list of tags, `W/` prefixes allowed, or `*`) names `tag`. */
export function ifNoneMatchHas(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  // A header is at most the server's header limit; a tag list is split, never matched with a pattern.
  return header
    .split(',')
    .map((part) => part.trim())
    .some((part) => part === '*' || part === tag || part === `W/${tag}`);
}

/**
 * Sends `body` as JSON with its ETag, or 304 without a body when the request's `If-None-Match` names it.
 * `Cache-Control: no-cache` keeps shared caches from answering for us while letting the browser revalidate.
 */
export function sendJsonWithEtag(req: Request, res: Response, body: unknown): void {
  const json = JSON.stringify(body);
  const tag = entityTag(json);
  const headers = { ETag: tag, 'Cache-Control': 'no-cache' };
  if (ifNoneMatchHas(req.header('if-none-match'), tag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}
