/**
 * The Direct Line WebSocket stream at `/v3/directline/conversations/:id/stream?t=<token>&watermark=`: first
 * what the client missed after its watermark, then every new activity as it is logged, empty keep-alive
 * messages in between, and a close when the token expires (the client then reconnects with a fresh one).
 */
import { STATUS_CODES, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../observability/logger';
import { parseWatermark, type ActivitySet, type ConversationEvent, type ConversationStore } from './conversation-store';
import type { TokenClaims, TokenService } from './tokens';

export interface DirectLineStreamDeps {
  store: ConversationStore;
  tokens: TokenService;
  logger: Logger;
  /** How often an empty message goes out (and expiry is re-checked). */
  keepAliveMs?: number;
  /** Sockets kept per conversation (tabs sharing a token); the oldest beyond this is closed. */
  maxSocketsPerConversation?: number;
  /** Open and pending stream sockets process-wide; upgrades beyond it are answered 503. */
  maxConnections?: number;
  /** The token service's clock, so expiry is judged the same way everywhere. */
  now?: () => number;
  /** Upgrades for other paths: answered 404 (default), or left to another `upgrade` listener. */
  otherPaths?: 'refuse' | 'ignore';
}

/**
 * The running stream endpoint; `close()` ends every socket and detaches from the HTTP server. With
 * `restart`, sockets close with 1012 "service restart" (an instance draining): the client reconnects,
 * to another instance, and lost nothing.
 */
export interface DirectLineStream {
  readonly connections: number;
  close(options?: { restart?: boolean }): Promise<void>;
}

/** What an upgrade's request target says: a stream request, another path, or something unreadable. */
type StreamTarget =
  | { kind: 'stream'; conversationId: string; query: URLSearchParams }
  | { kind: 'other' }
  | { kind: 'malformed'; ours: boolean };

const STREAM_PATH = /^\/v3\/directline\/conversations\/([^/]+)\/stream$/;
/** Clients send only empty pings; anything big is not a Direct Line client. */
const MAX_INCOMING_BYTES = 4096;
/**
 * Frames (messages and pings) one socket may send per window. Direct Line clients send next to nothing
 * (browsers cannot even send pings); a flood of pings would make us write a pong for each.
 */
const MAX_FRAMES_PER_WINDOW = 100;
const FRAME_WINDOW_MS = 10_000;
/** A client this far behind is not reading: drop it rather than buffer without end. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Conversation ids we issue are 24 characters; tokens allow up to 200. */
const MAX_CONVERSATION_ID_LENGTH = 200;
/** A refused client gets this long to read the answer and hang up before the socket is destroyed. */
const REFUSAL_LINGER_MS = 2000;
/**
 * WebSocket close codes: 1008 policy violation (expired token), 1001 going away, 1012 service restart
 * (draining: reconnect), 4000 replaced, 4001 ended.
 */
const CLOSE_TOKEN_EXPIRED = 1008;
const CLOSE_SHUTDOWN = 1001;
const CLOSE_RESTART = 1012;
const CLOSE_REPLACED = 4000;
const CLOSE_ENDED = 4001;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Handles the `upgrade` event for the stream path only. Wire it to restify's underlying server:
 * `attachDirectLineStream(server.server, deps)`. Nothing a client sends can throw out of the listener: an
 * exception there would end the process (the HTTP server does not catch for `upgrade`).
 */
export function attachDirectLineStream(httpServer: HttpServer, deps: DirectLineStreamDeps): DirectLineStream {
  const {
    store,
    tokens,
    logger,
    keepAliveMs = 15_000,
    maxSocketsPerConversation = 3,
    maxConnections = 5000,
    now = Date.now,
    otherPaths = 'refuse',
  } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_INCOMING_BYTES });
  // Not emitted in noServer mode today; if a ws release ever does, it must be logged, not unhandled.
  wss.on('error', (err) => logger.warn({ err }, 'direct line stream server error'));
  const byConversation = new Map<string, WebSocket[]>();
  const cleanups = new Set<() => void>();
  let pending = 0;

  /** Runs a callback from a timer, socket or store event; a failure closes that socket, never the process. */
  const guarded =
    <A extends unknown[]>(ws: WebSocket, what: string, fn: (...args: A) => void) =>
    (...args: A): void => {
      try {
        fn(...args);
      } catch (err) {
        logger.error({ err }, `direct line stream ${what} failed`);
        ws.terminate();
      }
    };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Node removes its own error handler from an upgraded socket: without ours, a client that resets the
    // connection while we answer raises an unhandled 'error' and ends the process.
    socket.on('error', () => undefined);
    try {
      const target = parseStreamTarget(req.url);
      if (target.kind === 'other') {
        // Left alone, an unanswered upgrade hangs until the client gives up.
        if (otherPaths === 'refuse') refuse(socket, 404, 'not_found');
        return;
      }
      if (target.kind === 'malformed') {
        // An unreadable target that is not visibly ours may still be another listener's to answer.
        if (target.ours || otherPaths === 'refuse') refuse(socket, 400, 'bad_request');
        return;
      }
      if (wss.clients.size + pending >= maxConnections) {
        refuse(socket, 503, 'too_many_connections');
        return;
      }
      pending += 1;
      accept(req, socket, head, target.conversationId, target.query)
        .catch((err: unknown) => {
          logger.error({ err }, 'direct line stream upgrade failed');
          refuse(socket, 500, 'internal');
        })
        .finally(() => {
          pending -= 1;
        });
    } catch (err) {
      logger.error({ err }, 'direct line stream upgrade failed');
      refuse(socket, 500, 'internal');
    }
  };

  const accept = async (
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    conversationId: string,
    query: URLSearchParams,
  ): Promise<void> => {
    const token = query.get('t');
    if (!token) return refuse(socket, 401, 'unauthorized');
    const check = tokens.verify(token);
    if (!check.ok) return refuse(socket, 403, check.reason === 'expired' ? 'token_expired' : 'forbidden');
    if (check.claims.conversationId !== conversationId) return refuse(socket, 403, 'forbidden');
    const watermark = parseWatermark(query.get('watermark') ?? undefined);
    if (watermark === null) return refuse(socket, 400, 'bad_request');
    if (!(await store.get(conversationId))) return refuse(socket, 404, 'conversation_not_found');
    // The client may have gone while the store answered; ws would write to a dead socket otherwise.
    if (socket.destroyed) return;
    // ws checks the handshake itself (method, Upgrade, Sec-WebSocket-Key and -Version) and answers 400.
    wss.handleUpgrade(req, socket, head, (ws) => {
      serve(ws, conversationId, check.claims, watermark).catch((err: unknown) => {
        logger.error({ err, conversationId }, 'direct line stream failed');
        ws.terminate();
      });
    });
  };

  const serve = async (ws: WebSocket, conversationId: string, claims: TokenClaims, watermark: number | undefined): Promise<void> => {
    let lastSent = watermark ?? 0;
    let caughtUp = false;
    const early: ConversationEvent[] = [];

    const send = (set: ActivitySet): void => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify(set));
    };
    const deliver = (event: ConversationEvent): void => {
      if (event.kind === 'ended') {
        ws.close(CLOSE_ENDED, 'conversation ended');
        return;
      }
      if (event.kind === 'transient') {
        send({ activities: [event.activity] });
        return;
      }
      // The backlog may already hold what was logged while it was being read: send each watermark once.
      if (event.watermark <= lastSent) return;
      lastSent = event.watermark;
      send({ activities: [event.activity], watermark: String(event.watermark) });
    };

    // Subscribed (for Redis: the channel confirmed) before the backlog is read, so nothing logged in between,
    // here or on another instance, is lost.
    const unsubscribe = await store.subscribe(
      conversationId,
      guarded(ws, 'delivery', (event: ConversationEvent) => (caughtUp ? deliver(event) : early.push(event))),
    );
    // The client may have left while the subscription was being made.
    if (ws.readyState !== ws.OPEN) {
      unsubscribe();
      return;
    }
    const sockets = [...(byConversation.get(conversationId) ?? []), ws];
    while (sockets.length > maxSocketsPerConversation) sockets.shift()?.close(CLOSE_REPLACED, 'collision');
    byConversation.set(conversationId, sockets);
    const expired = (): boolean => claims.exp * 1000 <= now();
    const keepAlive = setInterval(
      guarded(ws, 'keep-alive', () => {
        if (expired()) ws.close(CLOSE_TOKEN_EXPIRED, 'token expired');
        else if (ws.readyState === ws.OPEN) ws.send('');
      }),
      keepAliveMs,
    );
    const expiry = setTimeout(
      guarded(ws, 'expiry', () => ws.close(CLOSE_TOKEN_EXPIRED, 'token expired')),
      Math.min(MAX_TIMER_MS, Math.max(0, claims.exp * 1000 - now())),
    );

    const cleanup = (): void => {
      clearInterval(keepAlive);
      clearTimeout(expiry);
      unsubscribe();
      const remaining = (byConversation.get(conversationId) ?? []).filter((other) => other !== ws);
      if (remaining.length > 0) byConversation.set(conversationId, remaining);
      else byConversation.delete(conversationId);
      cleanups.delete(cleanup);
    };
    cleanups.add(cleanup);
    ws.on('close', cleanup);
    // Oversized, binary-garbled or non-UTF-8 frames end up here (ws has already sent its close code).
    ws.on('error', () => ws.terminate());
    // Clients ping with empty messages; nothing they send needs an answer, but a flood ends the socket.
    let frames = 0;
    let windowStartedAt = performance.now();
    const countFrame = guarded(ws, 'frame', () => {
      const at = performance.now();
      if (at - windowStartedAt > FRAME_WINDOW_MS) {
        windowStartedAt = at;
        frames = 0;
      }
      frames += 1;
      if (frames > MAX_FRAMES_PER_WINDOW) ws.terminate();
    });
    ws.on('message', countFrame);
    ws.on('ping', countFrame);

    // The backlog comes in bounded pages, like a polling client would fetch it.
    for (;;) {
      const page = await store.activitiesAfter(conversationId, lastSent);
      if (!page) return ws.close(CLOSE_ENDED, 'conversation ended');
      if (page.activities.length > 0) send(page);
      const reached = page.watermark === undefined ? lastSent : Number(page.watermark);
      const progressed = reached > lastSent;
      lastSent = Math.max(lastSent, reached);
      if (page.activities.length === 0 || !progressed || ws.readyState !== ws.OPEN) break;
    }
    caughtUp = true;
    for (const event of early.splice(0)) deliver(event);
  };

  httpServer.on('upgrade', onUpgrade);

  return {
    get connections() {
      return wss.clients.size;
    },
    async close({ restart = false } = {}) {
      httpServer.off('upgrade', onUpgrade);
      for (const ws of wss.clients) {
        if (restart) ws.close(CLOSE_RESTART, 'service restart');
        else ws.close(CLOSE_SHUTDOWN, 'server shutting down');
      }
      for (const cleanup of [...cleanups]) cleanup();
      // A client that does not finish the closing handshake promptly is cut off.
      await new Promise<void>((resolve) => setTimeout(resolve, 50).unref());
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * Reads an upgrade's request target without anything that throws: origin-form only (`/path?query`), the
 * conversation id percent-decoded, the query read leniently (URLSearchParams never throws).
 */
export function parseStreamTarget(rawUrl: string | undefined): StreamTarget {
  if (!rawUrl?.startsWith('/') || rawUrl.startsWith('//')) return { kind: 'malformed', ours: false };
  const queryAt = rawUrl.indexOf('?');
  const path = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
  const match = STREAM_PATH.exec(path);
  if (!match?.[1]) return { kind: 'other' };
  let conversationId: string;
  try {
    conversationId = decodeURIComponent(match[1]);
  } catch {
    return { kind: 'malformed', ours: true };
  }
  if (conversationId.length === 0 || conversationId.length > MAX_CONVERSATION_ID_LENGTH) return { kind: 'malformed', ours: true };
  return { kind: 'stream', conversationId, query: new URLSearchParams(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1)) };
}

/** Answers an upgrade request with a plain HTTP error and drops the socket. */
function refuse(socket: Duplex, status: number, error: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error });
  try {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  } catch {
    socket.destroy();
    return;
  }
  // The HTTP server allows half-open sockets: a client that never hangs up would hold this one for ever.
  const linger = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}
