/**
 * Every HTTP route of Gateway Doctor (the table in README.md), on restify. Handlers come in as dependencies; this
 * module owns the edge rules: body limits, JSON validation, status codes, no stack traces in answers.
 */
import { timingSafeEqual } from 'node:crypto';
import restify, { type Request, type Response, type Server } from 'restify';
import { BodyError, readBody, type BodyKind } from './http/body-reader';
import { sendJsonWithEtag } from './http/etag';
import { securityHeaders } from './http/security-headers';
import type { PublicIncident } from './contracts';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';
import type { Prober } from './probe/prober';
import type { RecentChecks } from './probe/recent-checks';
import { explainReport } from './probe/explain';

/** Largest request body any route accepts. Bot Framework activities are far smaller. */
export const MAX_BODY_BYTES = 256 * 1024;

/** restify's errors: serialised with toJSON, so overriding it controls what the client sees. */
type RestifyError = Error & { statusCode?: number; toJSON?: () => unknown };

/** A route handler that the server calls after its own checks; it owns the response. */
export type RouteHandler = (req: Request, res: Response) => Promise<void>;

/** Extra routes registered by channels (Bot Framework, Slack, Direct Line, pages). */
export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'del';
  path: string | RegExp;
  name: string;
  handler: RouteHandler;
  /** Body formats a POST/PUT/PATCH route reads (default JSON only); anything else is 415. */
  body?: readonly BodyKind[];
  /** An admin route: the ADMIN_API_TOKEN bearer check runs first (404 without a token, 401 with a wrong one). */
  admin?: boolean;
}

export interface ServerDeps {
  logger: Logger;
  metrics: Metrics;
  /**
   * The prober behind `GET /api/admin/probe`: the operator's (`createOperatorProber`), without the public
   * bot's per-host and per-person limits, a few probes per host at once and the rest queued.
   */
  prober: Prober;
  recentChecks: RecentChecks;
  /** Bearer token for /api/admin/*; the admin API is off (404) without one. */
  adminApiToken?: string;
  /** Bearer token for /metrics (METRICS_TOKEN); open without one. */
  metricsToken?: string;
  /** Open incidents in their public shape, listed on `GET /api/status` (none when absent). */
  openIncidents?: () => Promise<PublicIncident[]>;
  /** Checks the server's dependencies (storage) for /readyz. */
  ready?: () => Promise<boolean>;
  routes?: RouteSpec[];
}

/** Builds the restify server without listening (tests listen on port 0). */
export function createServer(deps: ServerDeps): Server {
  const { logger, metrics } = deps;
  const server = restify.createServer({ name: 'gateway-doctor', handleUncaughtExceptions: false });

  // Slow clients may not hold sockets open for ever (slowloris): whole request in 30 s, headers in 10 s.
  server.server.requestTimeout = 30_000;
  server.server.headersTimeout = 10_000;

  server.pre((req, res, next) => {
    // Defaults for every answer; HTML routes replace the CSP with their own page policy.
    for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);
    (req as Request & { startedAt?: number }).startedAt = performance.now();
    return next();
  });
  server.use(restify.plugins.queryParser({ mapParams: false }));
  // No restify body parser: it counts compressed bytes and writes multipart uploads to disk. Each POST route
  // reads its own body through `bodyOf` with the formats it declared.
  const bodyOf =
    (kinds: readonly BodyKind[]) =>
    async (req: Request, res: Response): Promise<boolean> => {
      try {
        const body = await readBody(req, { accepts: kinds, maxBytes: MAX_BODY_BYTES });
        (req as Request & { rawBody?: string }).rawBody = body.raw;
        req.body = body.parsed;
        return true;
      } catch (err) {
        if (!(err instanceof BodyError)) throw err;
        // The rest of the body is not read: close the connection rather than leave it half-consumed.
        res.setHeader('Connection', 'close');
        res.send(err.status, { error: err.code, message: err.publicMessage });
        return false;
      }
    };

  server.on('after', (req: Request, res: Response) => {
    const route = req.getRoute()?.name ?? 'unknown';
    metrics.httpRequests.inc({ route, status: String(res.statusCode) });
    const startedAt = (req as Request & { startedAt?: number }).startedAt;
    if (startedAt !== undefined) metrics.httpDuration.observe({ route }, (performance.now() - startedAt) / 1000);
  });

  // restify turns parser failures into errors with a status; answer them plainly, never with the stack.
  server.on('restifyError', (req: Request, _res: Response, err: RestifyError, callback: () => void) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) logger.error({ err, path: req.path() }, 'request failed');
    err.toJSON = () => ({ error: errorCodeFor(status), message: publicMessageFor(status) });
    err.toString = () => publicMessageFor(status);
    return callback();
  });

  server.get('/healthz', async (_req: Request, res: Response) => {
    res.send(200, { status: 'ok' });
  });
  server.get('/readyz', async (_req: Request, res: Response) => {
    let ok = true;
    try {
      ok = deps.ready ? await deps.ready() : true;
    } catch {
      ok = false;
    }
    res.send(ok ? 200 : 503, { status: ok ? 'ready' : 'not ready' });
  });
  server.get('/metrics', async (req: Request, res: Response) => {
    if (deps.metricsToken && !bearerMatches(req.header('authorization'), deps.metricsToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      res.send(401, { error: 'unauthorized', message: 'A valid bearer token is required.' });
      return;
    }
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
    res.end(body);
  });
  server.get('/api/status', async (req: Request, res: Response) => {
    const limit = clampInt(req.query?.limit, 1, 200, 50);
    // Strangers see listed hosts only, through the public view; every host is on /api/admin/status.
    const incidents = deps.openIncidents ? await deps.openIncidents() : [];
    // With an ETag, so the board's poll of an unchanged board is a 304 without a body.
    sendJsonWithEtag(req, res, { checks: deps.recentChecks.listPublic(limit), incidents });
  });

  /** `unreadBody`: the request's body is still on the socket, so a refusal closes the connection rather than leave it half-read. */
  const requireAdmin = (req: Request, res: Response, { unreadBody = false } = {}): boolean => {
    const allowed = deps.adminApiToken !== undefined && bearerMatches(req.header('authorization'), deps.adminApiToken);
    if (!allowed && unreadBody) res.setHeader('Connection', 'close');
    if (!deps.adminApiToken) {
      res.send(404, { error: 'not_found', message: 'The admin API is off: set ADMIN_API_TOKEN to enable it.' });
      return false;
    }
    if (!allowed) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      res.send(401, { error: 'unauthorized', message: 'A valid bearer token is required.' });
      return false;
    }
    return true;
  };

  server.get('/api/admin/probe', async (req: Request, res: Response) => {
    if (!requireAdmin(req, res)) return;
    const url = typeof req.query?.url === 'string' ? req.query.url : undefined;
    if (!url) {
      res.send(400, { error: 'bad_request', message: 'Pass the site to check as ?url=' });
      return;
    }
    res.send(200, await deps.prober.probe(url));
  });
  server.get('/api/admin/status', async (req: Request, res: Response) => {
    if (!requireAdmin(req, res)) return;
    res.send(200, { checks: deps.recentChecks.list(clampInt(req.query?.limit, 1, 200, 200)) });
  });
  const readExplainBody = bodyOf(['json', 'text']);
  server.post('/api/admin/explain', async (req: Request, res: Response) => {
    if (!requireAdmin(req, res)) return;
    if (!(await readExplainBody(req, res))) return;
    const text = typeof req.body === 'string' ? req.body : typeof req.body?.text === 'string' ? req.body.text : undefined;
    if (text === undefined) {
      res.send(400, { error: 'bad_request', message: 'Send {"text": "..."} or a text/plain body.' });
      return;
    }
    res.send(200, explainReport(text));
  });

  for (const route of deps.routes ?? []) {
    const readsBody = route.method === 'post' || route.method === 'put' || route.method === 'patch';
    const read = bodyOf(route.body ?? ['json']);
    server[route.method]({ path: route.path, name: route.name }, async (req: Request, res: Response) => {
      try {
        // Authorisation before the body is read: a stranger's body is never parsed.
        if (route.admin && !requireAdmin(req, res, { unreadBody: readsBody })) return;
        if (readsBody && !(await read(req, res))) return;
        await route.handler(req, res);
      } catch (err) {
        logger.error({ err, route: route.name }, 'route handler failed');
        if (!res.headersSent) res.send(500, { error: 'internal', message: publicMessageFor(500) });
      }
    });
  }
  return server;
}

function errorCodeFor(status: number): string {
  if (status === 400) return 'bad_request';
  if (status === 404) return 'not_found';
  if (status === 405) return 'method_not_allowed';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  return status >= 500 ? 'internal' : 'request_error';
}

function publicMessageFor(status: number): string {
  if (status === 400) return 'The request body could not be read: send valid JSON.';
  if (status === 404) return 'No such route.';
  if (status === 405) return 'That method is not allowed on this route.';
  if (status === 413) return `The request body is larger than ${MAX_BODY_BYTES} bytes.`;
  if (status === 415) return 'Unsupported content type.';
  return status >= 500 ? 'Something went wrong on our side; the request was not processed.' : 'The request was refused.';
}

/** Constant-time comparison of `Authorization: Bearer <token>` with the configured token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function clampInt(value: unknown, min: number, max: number, fallback: number): number {
  const parsed = typeof value === 'string' ? Number.parseInt(value, 10) : Number.NaN;
  return Number.isFinite(parsed) ? Math.min(max, Math.max(min, parsed)) : fallback;
}
