/** Builds the real restify server on 127.0.0.1:0 with quiet defaults, for route tests. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'restify';
import { createLogger } from '../../src/observability/logger';
import { createMetrics } from '../../src/observability/metrics';
import { createOperatorProber } from '../../src/probe/prober';
import { createRecentChecks } from '../../src/probe/recent-checks';
import { createServer, type ServerDeps } from '../../src/server';

export interface TestServer {
  url: string;
  server: Server;
  deps: ServerDeps;
  close(): Promise<void>;
}

export async function createTestServer(overrides: Partial<ServerDeps> = {}): Promise<TestServer> {
  const deps: ServerDeps = {
    logger: createLogger('silent'),
    metrics: createMetrics({ defaults: false }),
    // The admin API's prober is the operator's, as in the composition root.
    prober: createOperatorProber({ allowCidrs: ['127.0.0.0/8'], timeoutMs: 2000 }),
    recentChecks: createRecentChecks(),
    ...overrides,
  };
  const server = createServer(deps);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    deps,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
