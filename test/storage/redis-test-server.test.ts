import { createConnection } from 'node:net';
import { startRedisServer } from '../helpers/redis-server';

/** Sends one inline command and resolves with the first reply line (or the connection error). */
function createRawCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.split('\r\n')[0] ?? '');
      }
    });
  });
}

describe('test helper: startRedisServer', () => {
  it('starts a server on loopback that answers, and stops it', async () => {
    const server = await startRedisServer();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    await expect(createRawCommand(server.port, 'PING')).resolves.toBe('+PONG');
    await server.stop();
    await expect(createRawCommand(server.port, 'PING')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('throws a clear error when the binary is not installed', async () => {
    const binary = 'redis-server-that-does-not-exist';
    await expect(startRedisServer({ binary })).rejects.toThrow(`${binary} is not installed`);
  });
});
