/**
 * One GET of a stranger's URL without becoming an SSRF weapon: every hop is re-checked (URL rules, then
 * every resolved address), the socket goes to an address that was checked and never to a second DNS
 * answer, one deadline covers the whole chain, and at most `maxBodyBytes` of the body are read.
 */
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import type { AddressPolicy } from './address-policy';
import type { Resolver } from './resolver';
import type { Evidence, RefusalReason, Timings } from '../contracts';
import { checkTarget } from './url-policy';

/** What `safeFetch` needs: the rules, a resolver, and the caps on time, hops and bytes. */
export interface SafeFetchOptions {
  policy: AddressPolicy;
  resolver: Resolver;
  /** Budget for the whole fetch, redirects included; past it the outcome is 'timeout'. */
  timeoutMs: number;
  userAgent: string;
  maxRedirects?: number;
  maxBodyBytes?: number;
  signal?: AbortSignal;
}

/** The certificate check as we judged it ourselves (the connection itself never rejects a certificate). */
export interface TlsInfo {
  authorized: boolean;
  code?: string;
  subject?: string;
  issuer?: string;
  /** ISO 8601. */
  validTo?: string;
  daysToExpiry?: number;
  hostnameMatch: boolean;
}

/** Everything one fetch learned; the fields describe the last hop, `evidence` and `totalMs` the chain. */
export interface FetchOutcome {
  kind: 'response' | 'refused' | 'dns_error' | 'connect_error' | 'tls_error' | 'timeout' | 'invalid';
  /** The URL of the last hop attempted. */
  finalUrl: string;
  /** For 'refused'/'invalid': why. */
  refusal?: RefusalReason;
  /** System, TLS or HTTP parser code (ECONNREFUSED, CERT_HAS_EXPIRED, HPE_INVALID_CONSTANT, ENOTFOUND...). */
  errorCode?: string;
  status?: number;
  statusText?: string;
  /** Lower-case header names; repeated headers joined with ', '. */
  headers?: Record<string, string>;
  /** First maxBodyBytes of the body decoded as UTF-8 (lossy); undefined when no response. */
  body?: string;
  bodyTruncated?: boolean;
  /** Resolved addresses of the final hop's host. */
  addresses?: string[];
  /** For https hops that got as far as a handshake. */
  tls?: TlsInfo;
  /** Timings of the final hop, with totalMs covering the whole chain. */
  timings: Timings;
  /** dns, connect, tls, http, redirect entries for every hop, in the order they happened. */
  evidence: Evidence[];
}

const DEFAULT_MAX_REDIRECTS = 5;
const DEFAULT_MAX_BODY_BYTES = 65_536;
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const DAY_MS = 86_400_000;

type FailureKind = Exclude<FetchOutcome['kind'], 'response' | 'timeout'>;
type Phase = 'dns' | 'connect' | 'tls' | 'response' | 'body';

/** A hop that ended without a usable response; turned into an outcome at the top, never thrown out of safeFetch. */
class HopFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly errorCode?: string,
    readonly refusal?: RefusalReason,
  ) {
    super(errorCode ?? refusal ?? kind);
  }
}

/** Thrown inside the chain once the deadline has passed, so the chain stops without connecting again. */
class DeadlinePassed extends Error {}

interface ResponseFacts {
  status: number;
  statusText?: string;
  headers: Record<string, string>;
  body?: string;
  bodyTruncated?: boolean;
}

/** What is known about the hop in progress; a timeout reports whatever got this far. */
interface HopRecord {
  url: URL;
  phase: Phase;
  addresses?: string[];
  timings: Omit<Timings, 'totalMs'>;
  tls?: TlsInfo;
  response?: ResponseFacts;
}

interface Chain {
  hop: HopRecord;
  evidence: Evidence[];
}

/**
 * Fetches a target that already passed checkTarget, following redirects by hand. Never throws: every
 * failure is an outcome.
 */
export async function safeFetch(url: URL, options: SafeFetchOptions): Promise<FetchOutcome> {
  const started = performance.now();
  const deadline = createDeadline(options.timeoutMs, options.signal);
  const chain: Chain = { hop: createHop(url), evidence: [] };
  const finish = (kind: FetchOutcome['kind'], extra: Partial<FetchOutcome> = {}): FetchOutcome =>
    buildOutcome(chain, kind, performance.now() - started, extra);

  let timedOut: FetchOutcome | undefined;
  const timeoutOutcome = (reason: 'timeout' | 'aborted'): FetchOutcome => {
    if (timedOut === undefined) {
      chain.evidence.push({ kind: 'note', code: reason, detail: chain.hop.phase });
      timedOut = finish('timeout', reason === 'aborted' ? { errorCode: 'ABORT_ERR' } : {});
    }
    return timedOut;
  };
  const expired = deadline.expired.then(timeoutOutcome);
  const completed = followChain(url, options, chain, deadline).then(
    (extra) => finish(extra.kind ?? 'response', extra),
    (error: unknown) => {
      // Destroying sockets at the deadline makes the chain fail too; that failure is the timeout's echo.
      const reason = deadline.reason();
      if (reason !== undefined) return timeoutOutcome(reason);
      // The refusal travels in `refusal`, not as evidence: the caller words it (refusals look alike to users).
      if (error instanceof HopFailure) {
        return finish(error.kind, { errorCode: error.errorCode, refusal: error.refusal });
      }
      // Not expected: every failure inside the chain is a HopFailure. Still an outcome, never a throw.
      return finish('connect_error', { errorCode: codeOf(error) ?? 'EUNKNOWN' });
    },
  );
  try {
    return await Promise.race([completed, expired]);
  } finally {
    deadline.dispose();
  }
}

async function followChain(firstUrl: URL, options: SafeFetchOptions, chain: Chain, deadline: Deadline): Promise<Partial<FetchOutcome>> {
  const { maxRedirects = DEFAULT_MAX_REDIRECTS, maxBodyBytes = DEFAULT_MAX_BODY_BYTES } = options;
  let next = firstUrl;
  for (let redirects = 0; ; redirects += 1) {
    deadline.throwIfPassed();
    chain.hop = createHop(next);
    const check = checkTarget(next.href);
    if (!check.ok) {
      throw new HopFailure(check.reason === 'malformed' ? 'invalid' : 'refused', undefined, check.reason);
    }
    const hop = chain.hop;
    hop.url = check.url;
    const sockets: net.Socket[] = [];
    try {
      const response = await fetchHop(hop, options, chain.evidence, deadline, sockets);
      const facts: ResponseFacts = {
        status: response.statusCode ?? 0,
        statusText: response.statusMessage || undefined,
        headers: joinHeaders(response.rawHeaders),
      };
      hop.response = facts;
      chain.evidence.push({
        kind: 'http',
        url: hop.url.href,
        status: facts.status,
        ...(facts.statusText !== undefined && { statusText: facts.statusText }),
        ...(facts.headers.server !== undefined && { server: facts.headers.server }),
      });

      const location = facts.headers.location;
      const certificateRejected = hop.tls !== undefined && !hop.tls.authorized;
      const wantsRedirect = REDIRECT_STATUSES.has(facts.status) && location !== undefined;
      if (wantsRedirect && !certificateRejected && redirects < maxRedirects) {
        response.destroy();
        const target = resolveLocation(location, hop.url);
        if (target === undefined) throw new HopFailure('invalid', undefined, 'malformed');
        target.hash = '';
        chain.evidence.push({ kind: 'redirect', from: hop.url.href, to: target.href, status: facts.status });
        next = target;
        continue;
      }

      hop.phase = 'body';
      const body = await readBody(response, maxBodyBytes);
      deadline.throwIfPassed();
      facts.body = body.text;
      facts.bodyTruncated = body.truncated;
      if (body.incomplete) chain.evidence.push({ kind: 'note', code: 'body-incomplete' });
      if (wantsRedirect && !certificateRejected) {
        chain.evidence.push({ kind: 'note', code: 'too-many-redirects', detail: String(maxRedirects) });
      }
      // A rejected certificate is the verdict, but the page behind it still helps diagnose, so it is kept.
      if (certificateRejected) return { kind: 'tls_error', errorCode: hop.tls?.code ?? 'CERT_UNTRUSTED' };
      return { kind: 'response' };
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  }
}

/** One hop up to the response headers: resolve, judge, connect, handshake, send the request. */
async function fetchHop(
  hop: HopRecord,
  options: SafeFetchOptions,
  evidence: Evidence[],
  deadline: Deadline,
  sockets: net.Socket[],
): Promise<http.IncomingMessage> {
  const { url } = hop;
  const host = unbracket(url.hostname);
  const secure = url.protocol === 'https:';
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);

  hop.phase = 'dns';
  const addresses = await resolveAll(host, options.resolver, hop);
  deadline.throwIfPassed();
  hop.addresses = addresses;
  // Every answer must pass, not just the one we would use: a host that also points inside is refused.
  if (!addresses.every((address) => options.policy.isAllowed(address))) {
    throw new HopFailure('refused', undefined, 'address');
  }
  evidence.push({ kind: 'dns', addresses: [...addresses] });

  hop.phase = 'connect';
  const socket = await connectFirst(addresses, port, hop, evidence, deadline, sockets);

  let stream: net.Socket = socket;
  if (secure) {
    hop.phase = 'tls';
    stream = await handshake(socket, host, hop, evidence, deadline, sockets);
  }

  hop.phase = 'response';
  return sendRequest(stream, url, options.userAgent, hop);
}

async function resolveAll(host: string, resolver: Resolver, hop: HopRecord): Promise<string[]> {
  if (net.isIP(host) !== 0) {
    hop.timings.dnsMs = 0;
    return [host];
  }
  const started = performance.now();
  let answers: string[];
  try {
    answers = await resolver.resolve(host);
  } catch (error) {
    throw new HopFailure('dns_error', codeOf(error) ?? 'EAI_FAIL');
  } finally {
    hop.timings.dnsMs = round(performance.now() - started);
  }
  const unique = [...new Set(answers)];
  if (unique.length === 0) throw new HopFailure('dns_error', 'ENOTFOUND');
  return unique;
}

/**
 * Tries the checked addresses in order. With several left, each attempt gets an equal share of the time
 * remaining, so one black-holed address cannot eat the budget the others need; the last gets all of it.
 */
async function connectFirst(
  addresses: string[],
  port: number,
  hop: HopRecord,
  evidence: Evidence[],
  deadline: Deadline,
  sockets: net.Socket[],
): Promise<net.Socket> {
  let lastCode = 'ECONNREFUSED';
  for (const [index, address] of addresses.entries()) {
    const left = addresses.length - index;
    const attemptMs = left > 1 ? Math.max(1, deadline.remainingMs() / left) : undefined;
    const started = performance.now();
    try {
      const socket = await connectTcp(address, port, attemptMs, deadline, sockets);
      hop.timings.connectMs = round(performance.now() - started);
      evidence.push({ kind: 'connect', address, port, ok: true });
      return socket;
    } catch (error) {
      deadline.throwIfPassed();
      lastCode = codeOf(error) ?? 'ECONNRESET';
      evidence.push({ kind: 'connect', address, port, ok: false, code: lastCode });
    }
  }
  throw new HopFailure('connect_error', lastCode);
}

function connectTcp(
  address: string,
  port: number,
  attemptMs: number | undefined,
  deadline: Deadline,
  sockets: net.Socket[],
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    // `host` is an IP literal, so Node connects to it directly: no lookup can swap in another address.
    const socket = net.connect({ host: address, port });
    sockets.push(socket);
    deadline.track(socket);
    const timer =
      attemptMs === undefined
        ? undefined
        : setTimeout(() => socket.destroy(codedError('ETIMEDOUT', `connect to ${address} timed out`)), attemptMs);
    let settled = false;
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('close', onClose);
      if (error === undefined) {
        resolve(socket);
      } else {
        socket.destroy();
        reject(error);
      }
    };
    const onConnect = (): void => settle();
    // A destroy without an error (the deadline) only emits 'close'.
    const onClose = (): void => settle(codedError('ECONNABORTED', 'socket closed before connecting'));
    socket.once('connect', onConnect);
    socket.once('close', onClose);
    // Stays attached for the socket's life: later errors surface through TLS or HTTP, which listen too,
    // and an 'error' with no listener would crash the process.
    socket.on('error', (error) => settle(error));
  });
}

function handshake(
  socket: net.Socket,
  host: string,
  hop: HopRecord,
  evidence: Evidence[],
  deadline: Deadline,
  sockets: net.Socket[],
): Promise<tls.TLSSocket> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const secure = tls.connect({
      socket,
      host,
      // SNI carries names only; sending an IP literal there is not allowed (RFC 6066).
      servername: net.isIP(host) === 0 ? host : undefined,
      // We judge the certificate ourselves below, so a bad one is reported rather than hiding the page.
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    sockets.push(secure);
    deadline.track(secure);
    const onSecure = (): void => {
      secure.off('close', onClose);
      hop.timings.tlsMs = round(performance.now() - started);
      const info = describeCertificate(secure, host);
      hop.tls = info;
      const { authorized, ...details } = info;
      evidence.push({ kind: 'tls', ok: authorized, ...details });
      resolve(secure);
    };
    const fail = (code: string): void => {
      secure.off('secureConnect', onSecure);
      secure.off('close', onClose);
      hop.timings.tlsMs = round(performance.now() - started);
      hop.tls = { authorized: false, code, hostnameMatch: false };
      evidence.push({ kind: 'tls', ok: false, code, hostnameMatch: false });
      secure.destroy();
      reject(deadline.passed() ? new DeadlinePassed() : new HopFailure('tls_error', code));
    };
    const onClose = (): void => fail('ECONNRESET');
    secure.once('secureConnect', onSecure);
    secure.once('close', onClose);
    secure.on('error', (error) => {
      if (hop.tls === undefined) fail(codeOf(error) ?? 'ERR_SSL_HANDSHAKE_FAILURE');
    });
  });
}

function describeCertificate(socket: tls.TLSSocket, host: string): TlsInfo {
  const cert = socket.getPeerCertificate();
  const hasCert = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  // Node types this as Error, but with rejectUnauthorized false it holds the OpenSSL code as a string.
  const raw: unknown = socket.authorizationError;
  const code = typeof raw === 'string' ? raw : codeOf(raw);
  const info: TlsInfo = {
    authorized: socket.authorized,
    hostnameMatch: hasCert && tls.checkServerIdentity(host, cert) === undefined,
  };
  if (!socket.authorized) info.code = code ?? 'CERT_UNTRUSTED';
  if (!hasCert) return info;
  info.subject = formatName(cert.subject);
  info.issuer = formatName(cert.issuer);
  const validTo = new Date(cert.valid_to);
  if (!Number.isNaN(validTo.getTime())) {
    info.validTo = validTo.toISOString();
    info.daysToExpiry = Math.floor((validTo.getTime() - Date.now()) / DAY_MS);
  }
  return info;
}

function formatName(name: tls.Certificate | undefined): string | undefined {
  if (name === undefined || name === null) return undefined;
  const parts = (['CN', 'O', 'C'] as const).flatMap((key) => {
    const value = name[key];
    if (value === undefined) return [];
    return [`${key}=${Array.isArray(value) ? value.join('+') : value}`];
  });
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function sendRequest(stream: net.Socket, url: URL, userAgent: string, hop: HopRecord): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      setHost: false,
      headers: {
        Host: url.host,
        'User-Agent': userAgent,
        Accept: 'text/html,*/*;q=0.8',
        // identity keeps the byte cap honest (a compressed body could expand without bound) and spares
        // a decompressor; the probe only needs the first bytes of the page anyway.
        'Accept-Encoding': 'identity',
        Connection: 'close',
      },
      // The socket is already connected to a checked address; Node's own agent would resolve the host again.
      createConnection: () => stream,
    });
    let sentAt = performance.now();
    request.once('finish', () => {
      sentAt = performance.now();
    });
    request.once('response', (response) => {
      hop.timings.ttfbMs = round(performance.now() - sentAt);
      resolve(response);
    });
    // HPE_* parser errors (garbage, oversized headers) and resets before any response land here.
    request.on('error', (error) => reject(new HopFailure('connect_error', codeOf(error) ?? 'ECONNRESET')));
    request.end();
  });
}

interface BodyRead {
  text: string;
  truncated: boolean;
  /** The connection ended before the body did (a reset, or fewer bytes than Content-Length). */
  incomplete: boolean;
}

/** Reads at most `maxBytes`, then destroys the response so the rest is never downloaded. */
function readBody(response: http.IncomingMessage, maxBytes: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const done = (truncated: boolean, incomplete: boolean): void => {
      if (settled) return;
      settled = true;
      const text = Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
      resolve({ text, truncated, incomplete });
    };
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      // Exactly maxBytes may still be the whole body, so only a byte beyond it proves truncation.
      if (received > maxBytes) {
        done(true, false);
        response.destroy();
      }
    });
    response.once('end', () => done(false, false));
    response.once('close', () => done(false, !response.complete));
    response.on('error', () => done(false, true));
  });
}

function resolveLocation(location: string, base: URL): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

/** Node drops duplicates of some headers in `headers`; the raw list keeps every value. */
function joinHeaders(rawHeaders: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const value = rawHeaders[index + 1] ?? '';
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${previous}, ${value}`;
  }
  return headers;
}

interface Deadline {
  /** Settles once, with why the fetch must stop. */
  expired: Promise<'timeout' | 'aborted'>;
  /** Why the deadline passed, or undefined while there is still time. */
  reason(): 'timeout' | 'aborted' | undefined;
  passed(): boolean;
  throwIfPassed(): void;
  remainingMs(): number;
  /** Sockets destroyed when the deadline passes (or at once, if it already has). */
  track(socket: net.Socket): void;
  dispose(): void;
}

/** One timer for the whole chain; the caller's signal ends it early the same way. */
function createDeadline(timeoutMs: number, outer: AbortSignal | undefined): Deadline {
  const endsAt = performance.now() + timeoutMs;
  const sockets = new Set<net.Socket>();
  let reason: 'timeout' | 'aborted' | undefined;
  let announce: (why: 'timeout' | 'aborted') => void = () => undefined;
  const expired = new Promise<'timeout' | 'aborted'>((resolve) => {
    announce = resolve;
  });
  const expire = (why: 'timeout' | 'aborted'): void => {
    if (reason !== undefined) return;
    reason = why;
    announce(why);
    for (const socket of sockets) socket.destroy();
  };
  const timer = setTimeout(() => expire('timeout'), Math.max(0, timeoutMs));
  const onAbort = (): void => expire('aborted');
  if (outer?.aborted) expire('aborted');
  else outer?.addEventListener('abort', onAbort, { once: true });

  return {
    expired,
    reason: () => reason,
    passed: () => reason !== undefined,
    throwIfPassed(): void {
      if (reason !== undefined) throw new DeadlinePassed();
    },
    remainingMs: () => Math.max(0, endsAt - performance.now()),
    track(socket: net.Socket): void {
      if (reason !== undefined) socket.destroy();
      else sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    },
    dispose(): void {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
  };
}

function createHop(url: URL): HopRecord {
  return { url, phase: 'dns', timings: {} };
}

function buildOutcome(chain: Chain, kind: FetchOutcome['kind'], totalMs: number, extra: Partial<FetchOutcome>): FetchOutcome {
  const { hop } = chain;
  const response = hop.response;
  return withoutUndefined({
    kind,
    finalUrl: hop.url.href,
    refusal: extra.refusal,
    errorCode: extra.errorCode,
    status: response?.status,
    statusText: response?.statusText,
    headers: response?.headers,
    body: response?.body,
    bodyTruncated: response?.bodyTruncated,
    addresses: hop.addresses,
    tls: hop.tls,
    timings: { ...hop.timings, totalMs: round(totalMs) },
    evidence: [...chain.evidence],
  });
}

/** Outcomes and evidence are JSON-bound; absent facts are left out rather than set to undefined. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function codeOf(error: unknown): string | undefined {
  if (error !== null && typeof error === 'object' && 'code' in error) {
    const { code } = error as { code: unknown };
    if (typeof code === 'string' && code !== '') return code;
  }
  return undefined;
}

function codedError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
