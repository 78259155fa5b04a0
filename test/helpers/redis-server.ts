/**
 * A real, throw-away redis-server on loopback for tests. No persistence, its own free port, killed after.
 * A missing binary is an error, never a silent skip: the Redis tests must run to count.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A running test Redis server. */
export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  /**
   * Starts it again on the same port after stop() (an outage and its end). Started with `persist`, it comes
   * back with every key it had; otherwise empty.
   */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

/** Options of startRedisServer. */
export interface StartRedisServerOptions {
  /** The executable to run. Default `redis-server` from PATH. */
  binary?: string;
  /** Keep the data across stop() and restart() (an append-only file, fsynced on every write, in a temp dir). */
  persist?: boolean;
}

/** Starts a redis-server on a free loopback port and resolves once it answers PING. */
export async function startRedisServer({ binary = 'redis-server', persist = false }: StartRedisServerOptions = {}): Promise<RedisServer> {
  let lastError: Error | undefined;
  const dir = persist ? mkdtempSync(path.join(os.tmpdir(), 'gd-redis-')) : undefined;
  // Another process may grab the port between our probe and redis binding it: try a few ports.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const port = await findFreePort();
      let stopCurrent = await startOnce(binary, port, dir);
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        stop: () => stopCurrent(),
        async restart() {
          await stopCurrent();
          stopCurrent = await startOnce(binary, port, dir);
        },
      };
    } catch (error) {
      if (error instanceof RedisBinaryMissingError) throw error;
      lastError = error as Error;
    }
  }
  throw lastError ?? new Error('redis-server did not start');
}

/** Registers beforeAll/afterAll that start and stop one server; call the returned getter inside tests. */
export function withRedisServer(): () => RedisServer {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('withRedisServer(): the server is only available inside tests');
    return server;
  };
}

class RedisBinaryMissingError extends Error {}

/** Starts one redis-server process; resolves to a function that stops it. */
async function startOnce(binary: string, port: number, dir: string | undefined): Promise<() => Promise<void>> {
  const storage = dir ? ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...storage, '--protected-mode', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new RedisBinaryMissingError(
              `${binary} is not installed (not on PATH). The Redis tests need a real redis-server: ` +
                'install it, e.g. `apt-get install -y redis-server`.',
            )
          : error,
      );
    });
    child.once('exit', (code, signal) => {
      reject(new Error(`redis-server exited before it was ready (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  exited.catch(() => undefined); // observed below; avoids an unhandled rejection after a successful start

  // If the test process ends without afterAll (a crash, a killed worker), take the server down with it.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));

  try {
    await Promise.race([waitForPong(port), exited]);
  } catch (error) {
    await kill(child);
    throw error;
  }
  return () => kill(child);
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

async function waitForPong(port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (await ping(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING in time`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  // No pid: the process never started (e.g. missing binary), so there is nothing to wait for.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
