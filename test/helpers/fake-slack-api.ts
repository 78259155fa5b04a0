/**
 * A fake of Slack's Web API on 127.0.0.1 for the Slack channel tests: it records every call (method from
 * the path `/api/<method>`, form or JSON arguments, the Authorization header) and answers the way Slack
 * does for the methods the bot uses. Point the adapter's `apiUrl` at `api.url`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHttpServer, type LoopbackServer } from './loopback-servers';

/** One recorded Web API call. */
export interface FakeSlackCall {
  /** e.g. `chat.postMessage`. */
  method: string;
  /** Arguments; `blocks`, `metadata` and `attachments` sent as JSON strings are decoded. */
  args: Record<string, unknown>;
  authorization: string | undefined;
  /** `Date.now()` when the call arrived. */
  at: number;
}

/** The fake and its controls. */
export interface FakeSlackApi {
  /** Base URL for the client, e.g. http://127.0.0.1:40123/api/ */
  url: string;
  calls: FakeSlackCall[];
  /** Calls of one method, in arrival order. */
  callsTo(method: string): FakeSlackCall[];
  /** Resolves with the first call of `method` that matches, waiting for it if needed. */
  waitForCall(method: string, match?: (call: FakeSlackCall) => boolean, timeoutMs?: number): Promise<FakeSlackCall>;
  /** What `users.info` answers as the user's locale; no entry means the user has none. */
  setLocale(userId: string, locale: string): void;
  /** Makes `method` answer `{ ok: false, error }` until cleared with `undefined`. */
  failMethod(method: string, error: string | undefined): void;
  close(): Promise<void>;
}

const JSON_ARGS = ['blocks', 'metadata', 'attachments'];

/** Starts the fake; `token` is the bot token it accepts (others get `invalid_auth`). */
export async function createFakeSlackApi({ token = 'xoxb-test-token' }: { token?: string } = {}): Promise<FakeSlackApi> {
  const calls: FakeSlackCall[] = [];
  const locales = new Map<string, string>();
  const failures = new Map<string, string>();
  const waiters = new Set<() => void>();
  let posted = 0;

  const answer = (method: string, args: Record<string, unknown>, authorization: string | undefined): object => {
    if (authorization !== `Bearer ${token}`) return { ok: false, error: 'invalid_auth' };
    const failure = failures.get(method);
    if (failure) return { ok: false, error: failure };
    switch (method) {
      case 'chat.postMessage': {
        posted += 1;
        const ts = `1700000000.${String(posted).padStart(6, '0')}`;
        return { ok: true, channel: args.channel, ts, message: { ts, text: args.text, type: 'message' } };
      }
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      case 'chat.delete':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'users.info': {
        const user = String(args.user ?? '');
        const locale = locales.get(user);
        const includeLocale = args.include_locale === true || args.include_locale === 'true';
        return { ok: true, user: { id: user, name: user.toLowerCase(), ...(includeLocale && locale ? { locale } : {}) } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = url.pathname.replace(/^\/api\//, '');
      const args = parseArgs(Buffer.concat(chunks).toString('utf8'), req.headers['content-type'], url.searchParams);
      const authorization = req.headers.authorization;
      calls.push({ method, args, authorization, at: Date.now() });
      for (const wake of [...waiters]) wake();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(answer(method, args, authorization)));
    });
  };

  const server: LoopbackServer = await createHttpServer(handler);
  const callsTo = (method: string) => calls.filter((call) => call.method === method);

  return {
    url: `${server.url}api/`,
    calls,
    callsTo,
    waitForCall(method, match = () => true, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = callsTo(method).find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${method} call matched within ${timeoutMs} ms (calls: ${calls.map((c) => c.method).join(', ')})`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    setLocale(userId, locale) {
      locales.set(userId, locale);
    },
    failMethod(method, error) {
      if (error === undefined) failures.delete(method);
      else failures.set(method, error);
    },
    close: () => server.close(),
  };
}

function parseArgs(body: string, contentType: string | undefined, query: URLSearchParams): Record<string, unknown> {
  const args: Record<string, unknown> = Object.fromEntries(query);
  if (contentType?.startsWith('application/json')) {
    Object.assign(args, body ? (JSON.parse(body) as Record<string, unknown>) : {});
  } else {
    Object.assign(args, Object.fromEntries(new URLSearchParams(body)));
  }
  for (const name of JSON_ARGS) {
    const value = args[name];
    if (typeof value === 'string') args[name] = JSON.parse(value) as unknown;
  }
  return args;
}
