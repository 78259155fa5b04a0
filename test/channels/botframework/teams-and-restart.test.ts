/**
 * Activities as Teams sends them (mentions in a channel, replies posted back to the connector), and a
 * restart mid-conversation on the SQLite file.
 */
import { startConnector } from '../../helpers/fake-connector';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHttpServer, type LoopbackServer } from '../../helpers/loopback-servers';
import { createActivity, createTeamsActivity, createTestApp, sendActivity } from '../../helpers/create-test-app';

async function waitFor(predicate: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Teams activities', () => {
  let site: LoopbackServer;
  beforeAll(async () => {
    site = await createHttpServer((_req, res) => {
      res.writeHead(502, { server: 'Microsoft-IIS/10.0', 'content-type': 'text/html' });
      res.end(
        '<title>502 - Web server received an invalid response while acting as a gateway or proxy server.</title><h2>HTTP Error 502.3 - Bad Gateway</h2>',
      );
    });
  });
  afterAll(() => site.close());

  it('answers a channel mention through the connector, with the mention stripped', async () => {
    const connector = await startConnector();
    const app = await createTestApp();
    try {
      const res = await fetch(`${app.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          createTeamsActivity(connector.url, '19:abc@thread.tacv2;messageid=1', {
            conversation: { id: '19:abc@thread.tacv2;messageid=1', conversationType: 'channel', isGroup: true, tenantId: 't1' },
            from: { id: '29:user', name: 'Ana', aadObjectId: 'aad-1' },
            text: `<at>Gateway Doctor</at> ${site.url} gives HTTP Error 502.3`,
            entities: [
              { type: 'mention', text: '<at>Gateway Doctor</at>', mentioned: { id: '28:gateway-doctor', name: 'Gateway Doctor' } },
            ],
            channelData: { tenant: { id: 't1' }, team: { id: '19:team' }, channel: { id: '19:abc@thread.tacv2' } },
          }),
        ),
      });
      expect(res.status).toBe(200);
      await waitFor(() => connector.posted.some((p) => p.body.channelData?.gatewayDoctor?.state === 'user.down'));
      const down = connector.posted.find((p) => p.body.channelData?.gatewayDoctor?.state === 'user.down');
      expect(down?.path).toMatch(/^\/v3\/conversations\/19%3Aabc%40thread\.tacv2%3Bmessageid%3D1\/activities/);
      expect(down?.body.channelData?.gatewayDoctor).toMatchObject({ verdict: 'down', producer: 'iis' });
      // The mention was stripped: understanding found the URL, and nothing echoes the <at> markup back.
      expect(JSON.stringify(connector.posted)).not.toContain('<at>');
    } finally {
      await app.close();
      await connector.close();
    }
  });
});

describe('Teams cards updated in place', () => {
  let site: LoopbackServer;
  beforeAll(async () => {
    site = await createHttpServer((_req, res) => {
      res.writeHead(200);
      res.end('fine');
    });
  });
  afterAll(() => site.close());

  it('takes a click naming a hostile card id (huge, a lone surrogate, a path) without a crash or a redraw', async () => {
    const connector = await startConnector();
    const app = await createTestApp();
    try {
      for (const replyToId of ['x'.repeat(200_000), 'card-\ud800', '../../conv/msteams/other', '%00%2F']) {
        const res = await fetch(`${app.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(
            createTeamsActivity(connector.url, 'a:hostile-click', { text: 'No', value: { gatewayDoctor: { intent: 'no' } }, replyToId }),
          ),
        });
        expect(res.status).toBeLessThan(500);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(connector.posted.filter((p) => p.method === 'PUT')).toEqual([]);
      const health = await fetch(`${app.url}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await app.close();
      await connector.close();
    }
  });

  it('redraws the clicked card with the answer instead of leaving live buttons behind', async () => {
    const connector = await startConnector();
    const app = await createTestApp();
    const teams = (extra: Record<string, unknown>) => createTeamsActivity(connector.url, 'a:personal-chat', extra);
    const post = (activity: Record<string, unknown>) =>
      fetch(`${app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    try {
      await post(teams({ text: site.url }));
      await waitFor(() =>
        connector.posted.some(
          (p) => p.body.channelData?.gatewayDoctor?.state === 'user.step.reload' && (p.body.attachments?.length ?? 0) > 0,
        ),
      );
      const index = connector.posted.findIndex((p) => (p.body.attachments?.length ?? 0) > 0);
      const cardId = `reply-${index + 1}`; // the fake connector numbers what it receives
      await post(teams({ text: 'No, still broken', value: { gatewayDoctor: { intent: 'no' } }, replyToId: cardId }));
      await waitFor(() => connector.posted.some((p) => p.method === 'PUT'));
      const update = connector.posted.find((p) => p.method === 'PUT');
      expect(update?.path).toContain(`/activities/${cardId}`);
      const content = JSON.stringify(update?.body.attachments);
      expect(content).not.toContain('Action.Submit');
      await waitFor(() => connector.posted.some((p) => p.body.channelData?.gatewayDoctor?.state === 'user.step.hardRefresh'));

      // The hard-refresh card stays live while the person types the answer instead; a later press on it is
      // not an answer to the step now asked, so its card is retired without a "✓" for an answer not given.
      const hardIndex = connector.posted.findIndex((p) => p.body.channelData?.gatewayDoctor?.state === 'user.step.hardRefresh');
      const hardCardId = `reply-${hardIndex + 1}`;
      await post(teams({ text: 'no' }));
      await waitFor(() => connector.posted.some((p) => p.body.channelData?.gatewayDoctor?.state === 'user.step.restartBrowser'));
      const puts = connector.posted.filter((p) => p.method === 'PUT').length;
      await post(
        teams({
          text: 'Yes, it works now',
          value: { gatewayDoctor: { intent: 'yes', state: 'user.step.hardRefresh' } },
          replyToId: hardCardId,
        }),
      );
      await waitFor(() => connector.posted.filter((p) => p.method === 'PUT').length > puts);
      const retired = connector.posted.filter((p) => p.method === 'PUT').at(-1);
      expect(retired?.path).toContain(`/activities/${hardCardId}`);
      expect(JSON.stringify(retired?.body.attachments)).not.toContain('Action.Submit');
      expect(JSON.stringify(retired?.body.attachments)).not.toContain('✓');
      const answers = connector.posted.filter((p) => p.method !== 'PUT' && p.body.type === 'message');
      expect(answers.at(-1)?.body.channelData?.gatewayDoctor?.state).toBe('user.step.restartBrowser');
    } finally {
      await app.close();
      await connector.close();
    }
  });
});

describe('restart mid-conversation on SQLite', () => {
  let dir: string;
  let site: LoopbackServer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gd-restart-'));
    site = await createHttpServer((_req, res) => {
      res.writeHead(200);
      res.end('fine');
    });
  });
  afterAll(async () => {
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes at the same step after the process is replaced', async () => {
    const env = { STORAGE: `sqlite:${path.join(dir, 'state.db')}` };
    const conversation = { id: 'restart-1' };
    const first = await createTestApp(env);
    let replies = await sendActivity(first.url, createActivity({ conversation, text: site.url }));
    expect(replies.at(-1)?.channelData?.gatewayDoctor?.state).toBe('user.step.reload');
    replies = await sendActivity(first.url, createActivity({ conversation, text: 'no' }));
    expect(replies.at(-1)?.channelData?.gatewayDoctor?.state).toBe('user.step.hardRefresh');
    await first.close();

    const second = await createTestApp(env);
    try {
      replies = await sendActivity(second.url, createActivity({ conversation, text: 'skip' }));
      expect(replies.at(-1)?.channelData?.gatewayDoctor?.state).toBe('user.step.restartBrowser');
    } finally {
      await second.close();
    }
  });

  it('starts over politely when the stored snapshot is from another version', async () => {
    const { SqliteStorage } = await import('../../../src/storage/sqlite-storage');
    const { conversationKey } = await import('../../../src/storage/storage-keys');
    const file = path.join(dir, 'old.db');
    const storage = new SqliteStorage({ path: file });
    await storage.write({ [conversationKey('emulator', 'old-1')]: { version: 0, snapshot: { value: 'somewhere', context: {} } } });
    storage.close();
    const app = await createTestApp({ STORAGE: `sqlite:${file}` });
    try {
      const replies = await sendActivity(app.url, createActivity({ conversation: { id: 'old-1' }, text: 'help' }));
      expect(replies.length).toBeGreaterThan(1);
      expect(replies[0]?.text ?? replies[0]?.summary).toBeTruthy();
      expect(replies.at(-1)?.channelData?.gatewayDoctor?.state).not.toBe('error');
    } finally {
      await app.close();
    }
  });

  it('starts over when the stored snapshot is corrupt, without an error', async () => {
    const { SqliteStorage } = await import('../../../src/storage/sqlite-storage');
    const { conversationKey } = await import('../../../src/storage/storage-keys');
    const file = path.join(dir, 'corrupt.db');
    const storage = new SqliteStorage({ path: file });
    const { SNAPSHOT_VERSION } = await import('../../../dialogs/support.machine');
    await storage.write({
      [conversationKey('emulator', 'bad-1')]: { version: SNAPSHOT_VERSION, snapshot: { value: { nowhere: 'at-all' }, context: 42 } },
    });
    storage.close();
    const app = await createTestApp({ STORAGE: `sqlite:${file}` });
    try {
      const replies = await sendActivity(app.url, createActivity({ conversation: { id: 'bad-1' }, text: site.url }));
      expect(replies.at(-1)?.channelData?.gatewayDoctor?.state).toBe('user.step.reload');
    } finally {
      await app.close();
    }
  });
});
