/**
 * A real restify server on 127.0.0.1:0, built by the project's createServer with the web chat routes and
 * the WebSocket stream attached, an echo bot behind it, and a clock the test can move.
 */
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { createLogger } from '../../../../src/observability/logger';
import { createMetrics } from '../../../../src/observability/metrics';
import { createProber } from '../../../../src/probe/prober';
import { createRecentChecks } from '../../../../src/probe/recent-checks';
import { createServer } from '../../../../src/server';
import {
  attachDirectLineStream,
  createDirectLineRoutes,
  createMemoryConversationStore,
  createTokenService,
  createWebChatPageRoutes,
  DirectLineAdapter,
  type ActivityLimits,
  type DirectLineStream,
  type MemoryConversationStore,
  type MemoryConversationStoreOptions,
  type TokenService,
} from '../../../../src/channels/webchat';
import { createEchoBot, type EchoBot } from './echo-bot';
import { createFakeClock, type FakeClock } from './fake-clock';

export const TEST_TOKEN_SECRET = 'test-secret-for-webchat-0123456789';

export interface WebChatTestServer {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  store: MemoryConversationStore;
  tokens: TokenService;
  adapter: DirectLineAdapter;
  bot: EchoBot;
  clock: FakeClock;
  stream: DirectLineStream;
  close(): Promise<void>;
}

export interface WebChatTestServerOptions {
  allowedOrigins?: string[];
  tokenRateLimiter?: RateLimiterAbstract;
  azure?: { secret: string; baseUrl: string };
  keepAliveMs?: number;
  /** The store's bounds; its clock is always the server's fake clock. */
  store?: Omit<MemoryConversationStoreOptions, 'now'>;
  activityLimits?: Partial<ActivityLimits>;
  maxStreamConnections?: number;
  clientIp?: (req: IncomingMessage) => string;
}

export async function createWebChatTestServer(options: WebChatTestServerOptions = {}): Promise<WebChatTestServer> {
  const logger = createLogger('silent');
  const clock = createFakeClock();
  const tokens = createTokenService({ secret: TEST_TOKEN_SECRET, now: clock.now });
  const store = createMemoryConversationStore({ ...options.store, now: clock.now });
  const adapter = new DirectLineAdapter({ store });
  const bot = createEchoBot();
  const routes = [
    ...createDirectLineRoutes({
      adapter,
      logic: bot.logic,
      tokens,
      logger,
      ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
      ...(options.tokenRateLimiter ? { tokenRateLimiter: options.tokenRateLimiter } : {}),
      ...(options.azure ? { azure: options.azure } : {}),
      ...(options.activityLimits ? { activityLimits: options.activityLimits } : {}),
      ...(options.clientIp ? { clientIp: options.clientIp } : {}),
    }),
    ...createWebChatPageRoutes({ ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}) }),
  ];
  const server = createServer({
    logger,
    metrics: createMetrics({ defaults: false }),
    prober: createProber(),
    recentChecks: createRecentChecks(),
    routes,
  });
  const stream = attachDirectLineStream(server.server, {
    store,
    tokens,
    logger,
    now: clock.now,
    ...(options.keepAliveMs ? { keepAliveMs: options.keepAliveMs } : {}),
    ...(options.maxStreamConnections ? { maxConnections: options.maxStreamConnections } : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    tokens,
    adapter,
    bot,
    clock,
    stream,
    async close() {
      await stream.close();
      await store.close();
      server.server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `probe` until it returns a value (not undefined), failing after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined, { timeoutMs = 5000, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
