/** Helpers for attack tests: raw bytes on a socket, and the liveness check every attack test ends with. */
import net from 'node:net';

/** The server still answers /healthz, within 500 ms, after (or during) an attack. */
export async function expectHealthy(baseUrl: string): Promise<void> {
  const started = performance.now();
  const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(500) });
  expect(res.status).toBe(200);
  expect(performance.now() - started).toBeLessThan(500);
}

/** Sends raw bytes to the server and returns whatever it answers before closing (or before `timeoutMs`). */
export function rawRequest(port: number, payload: string | Buffer, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const done = (): void => {
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(payload);
  });
}

/** The status code of a raw HTTP answer, or 0 when the server only closed the socket. */
export function statusOf(answer: string): number {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
  return match?.[1] ? Number(match[1]) : 0;
}
