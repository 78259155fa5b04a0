/**
 * Hand-written HTTP/1.1 upgrade requests over a raw TCP socket on loopback: the bytes a hostile client sends
 * (broken percent-escapes, `//`, missing handshake headers) that no well-behaved client library would.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** What came back on the socket before it closed (or the wait ran out). */
export interface RawExchange {
  /** The HTTP status of the answer, undefined when nothing readable came back. */
  status: number | undefined;
  text: string;
  /** True when the server closed the connection within the wait. */
  closed: boolean;
}

/** An upgrade request for `target`; a header set to undefined is left out. */
export function upgradeRequest(target: string, headers: Record<string, string | undefined> = {}, method = 'GET'): string {
  const all: Record<string, string | undefined> = {
    Host: '127.0.0.1',
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    ...headers,
  };
  const lines = Object.entries(all)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}: ${value}`);
  return `${method} ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** Sends `request` and reads until the server closes, or `timeoutMs`; `reset` aborts with a RST at once. */
export function rawExchange(port: number, request: string | Buffer, { timeoutMs = 3000, reset = false } = {}): Promise<RawExchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1');
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), text, closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      socket.write(request);
      if (reset) socket.resetAndDestroy();
    });
  });
}

/** GET /healthz, failing unless it answers 200 within `withinMs` (the server is alive and not stuck). */
export async function healthWithin(baseUrl: string, withinMs = 500): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(withinMs) });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}
