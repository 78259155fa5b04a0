import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HandoffSummary } from '../../../dialogs/types';
import { createCloudAdapter } from '../../../src/channels/botframework/bot-framework-routes';
import {
  createHandoffService,
  createSlackTarget,
  createTeamsTarget,
  createWebhookTarget,
  signWebhook,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  type HandoffTarget,
} from '../../../src/channels/handoff/handoff-targets';
import { createLogger } from '../../../src/observability/logger';
import { createFakeSlackApi } from '../../helpers/fake-slack-api';

const summary: HandoffSummary = {
  url: 'https://shop.example/checkout',
  variant: 'bad-gateway',
  role: 'visitor',
  browser: 'firefox',
  os: 'macos',
  locale: 'fr',
  probes: [
    {
      checkedAt: '2026-11-21T10:00:00.000Z',
      verdict: 'down',
      advice: 'wait',
      httpStatus: 502,
      producer: 'cloudflare',
      requestIds: ['cf-ray: 8e4f2a9b7c6d5e4f-FRA'],
    },
  ],
  stepsTried: [{ step: 'hardRefresh', answer: 'no' }],
  causes: [],
  lastMessages: ['<!channel> *urgent* [x](https://evil.example)'],
};
const origin = { channelId: 'webchat', conversationId: 'c1', userName: 'Ana' };
const logger = createLogger('silent');

interface Captured {
  url: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
}

async function createRecorder(status = 200): Promise<{ url: string; got: Captured[]; close(): Promise<void> }> {
  const got: Captured[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      got.push({ url: req.url ?? '', headers: req.headers, raw });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'posted-1' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, got, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('hand-off targets', () => {
  it('signs the webhook body so the receiver can trust it', async () => {
    const receiver = await createRecorder();
    try {
      await createWebhookTarget({ url: `${receiver.url}tickets`, secret: 's3cret', now: () => 1_700_000_000_000 }).deliver({
        id: 'case-1',
        createdAt: '2026-11-21T10:00:00.000Z',
        source: origin,
        summary,
      });
      const [request] = receiver.got;
      expect(request?.headers[TIMESTAMP_HEADER]).toBe('1700000000');
      expect(request?.headers[SIGNATURE_HEADER]).toBe(signWebhook('s3cret', '1700000000', request?.raw ?? ''));
      expect(signWebhook('other', '1700000000', request?.raw ?? '')).not.toBe(request?.headers[SIGNATURE_HEADER]);
      expect(JSON.parse(request?.raw ?? '{}')).toMatchObject({ id: 'case-1', summary: { url: 'https://shop.example/checkout' } });
    } finally {
      await receiver.close();
    }
  });

  it('posts the case into a Slack channel with the user words escaped', async () => {
    const slack = await createFakeSlackApi();
    try {
      await createSlackTarget({ channel: 'C0HELPDESK', token: 'xoxb-test-token', apiUrl: slack.url }).deliver({
        id: 'case-2',
        createdAt: '2026-11-21T10:00:00.000Z',
        source: origin,
        summary,
      });
      const call = await slack.waitForCall('chat.postMessage');
      expect(call.args.channel).toBe('C0HELPDESK');
      const blocks = JSON.stringify(call.args.blocks);
      expect(blocks).toContain('8e4f2a9b7c6d5e4f');
      expect(blocks).not.toContain('<!channel>');
      expect(blocks).toContain('&lt;!channel&gt;');
    } finally {
      await slack.close();
    }
  });

  it('posts a card into a Teams channel through the connector', async () => {
    const connector = await createRecorder();
    try {
      const adapter = createCloudAdapter({}, logger);
      await createTeamsTarget({ adapter, appId: '', channelId: '19:helpdesk@thread.tacv2', serviceUrl: connector.url }).deliver({
        id: 'case-3',
        createdAt: '2026-11-21T10:00:00.000Z',
        source: origin,
        summary,
      });
      const [request] = connector.got;
      expect(request?.url).toMatch(/^\/v3\/conversations\/19%3Ahelpdesk%40thread\.tacv2\/activities/);
      const body = JSON.parse(request?.raw ?? '{}') as {
        attachments: { contentType: string; content: { body: { facts?: { value: string }[] }[] } }[];
      };
      expect(body.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
      const facts = JSON.stringify(body.attachments[0]?.content.body);
      expect(facts).toContain('case-3');
      expect(facts).not.toContain('](https://evil.example)');
    } finally {
      await connector.close();
    }
  });

  it('a Slack post is two-way: its thread is returned, and live lines go into it escaped', async () => {
    const slack = await createFakeSlackApi();
    try {
      const target = createSlackTarget({ channel: 'C0HELPDESK', token: 'xoxb-test-token', apiUrl: slack.url });
      const links = await target.deliver({ id: 'case-4', createdAt: '2026-11-21T10:00:00.000Z', source: origin, summary });
      expect(links).toEqual({ slack: { channel: 'C0HELPDESK', ts: '1700000000.000001' } });
      await target.relay?.(links ?? {}, { kind: 'person', name: 'Ana', text: '<!channel> still broken' });
      const call = await slack.waitForCall('chat.postMessage', (c) => c.args.thread_ts === '1700000000.000001');
      expect(call.args.text).toBe('Ana (via Gateway Doctor): &lt;!channel&gt; still broken');
    } finally {
      await slack.close();
    }
  });

  it('a Teams card is two-way: its reply chain is returned, and live lines go into the chain', async () => {
    const connector = await createRecorder();
    try {
      const adapter = createCloudAdapter({}, logger);
      const target = createTeamsTarget({ adapter, appId: '', channelId: '19:helpdesk@thread.tacv2', serviceUrl: connector.url });
      const links = await target.deliver({ id: 'case-5', createdAt: '2026-11-21T10:00:00.000Z', source: origin, summary });
      expect(links).toEqual({ teams: { conversationId: '19:helpdesk@thread.tacv2;messageid=posted-1', serviceUrl: connector.url } });
      await target.relay?.(links ?? {}, { kind: 'closed', text: 'The person ended the chat.' });
      const relayed = connector.got[1];
      expect(relayed?.url).toMatch(/^\/v3\/conversations\/19%3Ahelpdesk%40thread\.tacv2%3Bmessageid%3Dposted-1\/activities/);
      expect(JSON.parse(relayed?.raw ?? '{}')).toMatchObject({ text: 'Case closed. The person ended the chat.', textFormat: 'plain' });
    } finally {
      await connector.close();
    }
  });

  it('reports delivery only when at least one target took the case', async () => {
    const failing: HandoffTarget = {
      name: 'down',
      deliver: async () => {
        throw new Error('503');
      },
    };
    const recorded: string[] = [];
    const working: HandoffTarget = {
      name: 'up',
      deliver: async (c) => {
        recorded.push(c.id);
        return undefined;
      },
    };
    expect(await createHandoffService([], logger).handoff(summary, origin)).toBe(false);
    expect(await createHandoffService([failing], logger).handoff(summary, origin)).toBe(false);
    expect(await createHandoffService([failing, working], logger).handoff(summary, origin)).toBe(true);
    expect(recorded).toHaveLength(1);
  });

  it('treats a webhook that answers with an error as not delivered', async () => {
    const receiver = await createRecorder(500);
    try {
      const service = createHandoffService([createWebhookTarget({ url: receiver.url })], logger);
      expect(await service.handoff(summary, origin)).toBe(false);
    } finally {
      await receiver.close();
    }
  });
});
