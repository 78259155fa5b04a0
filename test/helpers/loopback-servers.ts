/**
 * Real servers on 127.0.0.1, port 0, for tests that need a network peer. Each helper resolves once the
 * server listens and returns its address, a count of accepted connections and a close() that also drops
 * open sockets (a hung client must not keep afterAll waiting).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';

/** A server started by one of the helpers below. */
export interface LoopbackServer {
  /** Base URL ending in '/', e.g. http://127.0.0.1:40123/ */
  url: string;
  port: number;
  /** TCP connections accepted so far: lets a test prove that nothing connected. */
  connections(): number;
  close(): Promise<void>;
}

/** A PEM key and certificate for createTlsServer. */
export interface TlsMaterial {
  key: string;
  cert: string;
}

const HOST = '127.0.0.1';

/** The committed self-signed CN=localhost certificate (see test/fixtures/tls/README.md). */
export function localhostCert(): TlsMaterial {
  const dir = path.join(__dirname, '..', 'fixtures', 'tls');
  return {
    key: readFileSync(path.join(dir, 'localhost-key.pem'), 'utf8'),
    cert: readFileSync(path.join(dir, 'localhost-cert.pem'), 'utf8'),
  };
}

/** A plain HTTP server running `handler`. */
export function createHttpServer(handler: http.RequestListener): Promise<LoopbackServer> {
  return serve(http.createServer(handler), 'http');
}

/** An HTTPS server running `handler` with the given key and certificate. */
export function createTlsServer(handler: http.RequestListener, material: TlsMaterial): Promise<LoopbackServer> {
  return serve(https.createServer({ key: material.key, cert: material.cert }, handler), 'https');
}

/** Accepts connections and never writes a byte: the shape of a hung upstream. */
export function createHungServer(): Promise<LoopbackServer> {
  return serve(
    net.createServer(() => undefined),
    'http',
  );
}

/** A raw TCP server: `onSocket` decides what (if anything) is sent, e.g. bytes that are not HTTP. */
export function createRawServer(onSocket: (socket: net.Socket) => void): Promise<LoopbackServer> {
  return serve(net.createServer(onSocket), 'http');
}

/** A port on 127.0.0.1 with nothing listening (it was bound, then released). */
export async function closedPort(): Promise<LoopbackServer> {
  const probe = await serve(net.createServer(), 'http');
  await probe.close();
  return { url: probe.url, port: probe.port, connections: () => 0, close: async () => undefined };
}

async function serve(server: net.Server, scheme: 'http' | 'https'): Promise<LoopbackServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  // 'connection' fires for every accepted TCP socket, before any TLS or HTTP parsing.
  server.on('connection', (socket: net.Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server did not bind a TCP port');
  const { port } = address;
  return {
    url: `${scheme}://${HOST}:${port}/`,
    port,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback site that records the paths it served and the most requests it had in hand at once. */
export async function createCountingSite(delayMs: number) {
  let active = 0;
  let peak = 0;
  const paths: string[] = [];
  const server = await createHttpServer((req, res) => {
    active += 1;
    peak = Math.max(peak, active);
    paths.push(req.url ?? '');
    setTimeout(() => {
      active -= 1;
      res.writeHead(200);
      res.end('ok');
    }, delayMs);
  });
  return { server, peak: () => peak, paths };
}
