/** A Bot Framework connector on loopback: where proactive messages ("it's back") are posted in tests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BotReply } from './create-test-app';

/** A running fake connector: its serviceUrl and what the bot posted into which conversation. */
export interface FakeConnector {
  url: string;
  received: { conversation: string; body: BotReply }[];
  close(): Promise<void>;
}

/** A Bot Framework connector on loopback: records the proactive messages the bot posts into conversations. */
export async function startConnector(): Promise<FakeConnector> {
  const received: { conversation: string; body: BotReply }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const match = /^\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
      if (req.method === 'POST' && match?.[1]) {
        received.push({ conversation: decodeURIComponent(match[1]), body: JSON.parse(body) as BotReply });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `sent-${received.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
