/** A Bot Framework connector on loopback: where proactive messages ("it's back") are posted in tests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BotReply } from './create-test-app';

/** An activity as the bot sends it to the connector (a reply, a proactive message, an update). */
export type PostedActivity = BotReply & { from?: { name?: string } };

/** One request the bot made to the connector. */
export interface Posted {
  method: string;
  path: string;
  body: PostedActivity;
}

/** A running fake connector: its serviceUrl and what the bot sent it. */
export interface FakeConnector {
  url: string;
  /** Messages posted into conversations, by conversation id. */
  received: { conversation: string; body: BotReply }[];
  /** Every request, in order (posts, replies and in-place updates alike). */
  posted: Posted[];
  close(): Promise<void>;
}

/** A Bot Framework connector on loopback: records the proactive messages the bot posts into conversations. */
export async function startConnector(): Promise<FakeConnector> {
  const received: { conversation: string; body: BotReply }[] = [];
  const posted: Posted[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const activity = JSON.parse(body || '{}') as PostedActivity;
      posted.push({ method: req.method ?? '', path: req.url ?? '', body: activity });
      const match = /^\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
      if (req.method === 'POST' && match?.[1]) received.push({ conversation: decodeURIComponent(match[1]), body: activity });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `reply-${posted.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    received,
    posted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
