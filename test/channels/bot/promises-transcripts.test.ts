/**
 * Transcripts through the real app (POST /api/messages, expectReplies) for what the bot promises: a
 * hand-off with no help desk, with a help desk at a loopback receiver and with one that fails; a watch
 * that is really stored; a press on an earlier card; and the administrator's reading of a site on an IP
 * address. Replies are identified by their English template (the i18n key), never by matching prose.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningApp } from '../../../src/index';
import { explainText } from '../../../src/probe/explain';
import english from '../../../locales/en/translation.json';
import { createActivity, createTestApp, sendActivity, type BotReply } from '../../helpers/create-test-app';
import { createHttpServer, type LoopbackServer } from '../../helpers/loopback-servers';

const NGINX_502 =
  '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.25.3</center></body></html>';

/** Every English leaf as a pattern: `{{var}}` matches any value. */
const TEMPLATES: Array<{ key: string; pattern: RegExp; literal: number }> = [];
(function flatten(node: unknown, path: string): void {
  if (typeof node === 'string') {
    const parts = node.split(/\{\{\s*\w+\s*\}\}/);
    const pattern = new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]+?')}$`);
    TEMPLATES.push({ key: path, pattern, literal: parts.join('').length });
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) flatten(v, path ? `${path}.${k}` : k);
  }
})(english, '');

interface Card {
  fallbackText?: string;
  body?: Array<{ type: string; facts?: { title: string; value: string }[] }>;
  actions?: { data?: { gatewayDoctor?: { intent: string; state?: string } } }[];
}

const cardOf = (reply: BotReply): Card | undefined => reply.attachments?.[0]?.content as Card | undefined;

/** The sentence of a reply (the first section of its plain rendering), as the English key it was made from. */
function keyOf(reply: BotReply): string {
  const sentence = (cardOf(reply)?.fallbackText ?? reply.text ?? '').split('\n\n')[0] ?? '';
  const matches = TEMPLATES.filter((t) => t.pattern.test(sentence)).sort((a, b) => b.literal - a.literal);
  return matches[0]?.key ?? `(no key for "${sentence}")`;
}

const keysOf = (replies: BotReply[]): string[] => replies.map(keyOf);
const stateOf = (replies: BotReply[]): string | undefined => replies.at(-1)?.channelData?.gatewayDoctor?.state;

/** The buttons on the last reply that has any: intent and the state they carry. */
function buttonsOf(replies: BotReply[]): Array<{ intent: string; state?: string }> {
  for (const reply of [...replies].reverse()) {
    const actions = cardOf(reply)?.actions ?? [];
    if (actions.length > 0)
      return actions.map((a) => ({ intent: a.data?.gatewayDoctor?.intent ?? '', state: a.data?.gatewayDoctor?.state }));
  }
  return [];
}

function createPerson(app: RunningApp, id: string) {
  const conversation = { id };
  return {
    say: (text: string) => sendActivity(app.url, createActivity({ conversation, text })),
    /** Presses a button as web chat posts it: the card's action data becomes the activity's value. */
    press: (button: { intent: string; state?: string } | undefined) => {
      if (!button) throw new Error('no such button on the card');
      return sendActivity(app.url, createActivity({ conversation, text: '', value: { gatewayDoctor: button } }));
    },
  };
}

const button = (replies: BotReply[], intent: string) => buttonsOf(replies).find((b) => b.intent === intent);

async function createReceiver(): Promise<{ url: string; bodies: string[]; status: { code: number }; close(): Promise<void> }> {
  const bodies: string[] = [];
  const status = { code: 204 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(status.code);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/gateway-doctor`, bodies, status, close: () => new Promise((r) => server.close(() => r())) };
}

async function expectHealthy(app: RunningApp): Promise<void> {
  const started = Date.now();
  const res = await fetch(`${app.url}/healthz`);
  expect(res.status).toBe(200);
  expect(Date.now() - started).toBeLessThan(500);
}

let down: LoopbackServer;
let up: LoopbackServer;

beforeAll(async () => {
  down = await createHttpServer((_req, res) => {
    res.writeHead(502, { server: 'nginx/1.25.3', 'content-type': 'text/html' });
    res.end(NGINX_502);
  });
  up = await createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<h1>Welcome</h1>');
  });
});
afterAll(async () => {
  await Promise.all([down.close(), up.close()]);
});

describe('with no help desk configured (no HANDOFF_WEBHOOK_URL)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('says none is connected, offers only what exists, and never claims a person has the details', async () => {
    const person = createPerson(app, 'no-desk-1');
    const asked = await person.say('can I talk to someone');
    expect(keysOf(asked)).toEqual(['handoff.unavailable.noSite']);
    expect(stateOf(asked)).toBe('handoffUnavailable');
    expect(buttonsOf(asked).map((b) => b.intent)).toEqual(['restart', 'stop']);

    // The next message: nobody has any details, and there is no site to watch yet.
    const next = await person.say('ok just tell me when it is back up');
    expect(keysOf(next)).not.toContain('handoff.pending');
    expect(keysOf(next)).not.toContain('watch.confirmed');
    expect(await app.watch.list()).toEqual([]);

    const verdict = await person.say(`${down.url} shows 502 Bad Gateway`);
    expect(stateOf(verdict)).toBe('user.down');
    const offered = buttonsOf(verdict).map((b) => b.intent);
    expect(offered).toContain('watch');
    expect(offered).not.toContain('human');
    await expectHealthy(app);
  });

  it('after "can I talk to someone" about a down site, "ok just tell me when it is back up" sets a watch', async () => {
    const person = createPerson(app, 'no-desk-3');
    const verdict = await person.say(`${down.url} shows 502 Bad Gateway`);
    expect(stateOf(verdict)).toBe('user.down');
    const asked = await person.say('can I talk to someone');
    expect(keysOf(asked)).not.toContain('handoff.pending');
    // A yes with the request itself: the request wins, and the bot promises only once the watch is stored.
    const watched = await person.say('ok just tell me when it is back up');
    expect(keysOf(watched)).toContain('watch.confirmed');
    expect(keysOf(watched)).not.toContain('handoff.pending');
    expect((await app.watch.list()).some((s) => s.reference.conversation?.id === 'no-desk-3')).toBe(true);
    await expectHealthy(app);
  });

  it('promises to tell the person only once the watch is stored', async () => {
    const person = createPerson(app, 'no-desk-2');
    const verdict = await person.say(`${down.url} shows 502 Bad Gateway`);
    const watched = await person.press(button(verdict, 'watch'));
    expect(keysOf(watched)).toEqual(['watch.confirmed']);
    expect(stateOf(watched)).toBe('user.waiting');
    // Other tests in this file watch the same site from their own conversations.
    const stored = (await app.watch.list()).filter((s) => s.reference.conversation?.id === 'no-desk-2');
    expect(stored.map((s) => s.url)).toEqual([down.url]);
  });

  it('typed anyway, "talk to a person" shows the ready-to-send message it mentions, with no unknown fields', async () => {
    const person = createPerson(app, 'no-desk-3');
    await person.say(`${down.url} shows 502 Bad Gateway`);
    const asked = await person.say('talk to a person');
    expect(keysOf(asked)).toEqual(['handoff.unavailable.siteDraft']);
    const text = cardOf(asked[0] as BotReply)?.fallbackText ?? '';
    expect(text).toContain(english.render.draftCaption);
    expect(text).toContain('Error produced by: nginx');
    // Nothing unknown shown as "-" (no request ids here, no steps tried).
    expect(text).not.toMatch(/: -$/m);
    expect(text).not.toContain('Request IDs');
    expect(text).not.toContain('What I already tried');
    const help = await person.say('help');
    expect(keysOf(help)).toEqual(['help.bodyNoPerson']);
  });
});

describe('with a help desk at a loopback receiver (HANDOFF_WEBHOOK_URL)', () => {
  let app: RunningApp;
  let receiver: Awaited<ReturnType<typeof createReceiver>>;
  beforeAll(async () => {
    receiver = await createReceiver();
    app = await createTestApp({ HANDOFF_WEBHOOK_URL: receiver.url, HANDOFF_WEBHOOK_SECRET: 'transcript-secret' });
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
  });

  it('hands the case over, says so, and afterwards says a person has the details', async () => {
    receiver.status.code = 204;
    const person = createPerson(app, 'desk-1');
    const verdict = await person.say(`${down.url} shows 502 Bad Gateway`);
    expect(buttonsOf(verdict).map((b) => b.intent)).toContain('human');
    const before = receiver.bodies.length;
    const handed = await person.press(button(verdict, 'human'));
    expect(keysOf(handed)).toEqual(['handoff.sent', 'crowd.feedback.ask']);
    expect(stateOf(handed)).toBe('handoff');
    expect(receiver.bodies.length).toBe(before + 1);
    // Words that ask nothing new: the state's own answer. ("Any news?" would re-check the site.)
    const later = await person.say('hmm');
    expect(keysOf(later)).toEqual(['handoff.pending']);
    await expectHealthy(app);
  });

  it('says nobody would see it when the help desk refuses the case, and stops offering a person', async () => {
    receiver.status.code = 500;
    try {
      const person = createPerson(app, 'desk-2');
      const verdict = await person.say(`${down.url} shows 502 Bad Gateway`);
      const handed = await person.press(button(verdict, 'human'));
      expect(keysOf(handed)).toEqual(['handoff.unavailable.siteDraft']);
      expect(stateOf(handed)).toBe('handoffUnavailable');
      expect(buttonsOf(handed).map((b) => b.intent)).toEqual(['watch', 'recheck', 'restart', 'stop']);
      const again = await person.press(button(handed, 'recheck'));
      expect(stateOf(again)).toBe('user.down');
      expect(buttonsOf(again).map((b) => b.intent)).not.toContain('human');
    } finally {
      receiver.status.code = 204;
    }
  });
});

describe('a press on an earlier card, through the real app', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('says where the conversation is now and re-offers the current choices', async () => {
    const person = createPerson(app, 'old-card');
    const reload = await person.say(`${up.url} says error 502 in Firefox on Windows`);
    expect(stateOf(reload)).toBe('user.step.reload');
    const yesOnReload = button(reload, 'yes');
    expect(yesOnReload?.state).toBe('user.step.reload');
    const hard = await person.press(button(reload, 'no'));
    expect(stateOf(hard)).toBe('user.step.hardRefresh');

    const stale = await person.press(yesOnReload);
    expect(keysOf(stale)[0]).toBe('reprompt.stale');
    expect(keysOf(stale)[1]).toMatch(/^step\.hardRefresh\./);
    expect(stateOf(stale)).toBe('user.step.hardRefresh');
    expect(buttonsOf(stale)).toEqual(buttonsOf(hard));
    // A card sent before buttons carried their state is still taken as an answer.
    const legacy = await person.press({ intent: 'yes' });
    expect(keysOf(legacy)).toEqual(['user.fixed', 'crowd.feedback.ask']);
  });
});

describe("the administrator's reading, through the real app", () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('reads the result for the person who fixes it, skips DNS for an IP address and explains a log line like npm run explain', async () => {
    const person = createPerson(app, 'admin-ip');
    const verdict = await person.say(`${down.url} returns 502`);
    const overview = await person.press(button(verdict, 'admin'));
    expect(stateOf(overview)).toBe('admin.overview');
    expect(keysOf(overview)).toContain('admin.reading.down');
    expect(JSON.stringify(overview)).not.toContain('Advice from the check');

    const maintenance = await person.press(button(overview, 'no'));
    expect(stateOf(maintenance)).toBe('admin.maintenance');
    const logs = await person.press(button(maintenance, 'no'));
    expect(keysOf(logs)).toEqual(['admin.dns.notApplicable', 'admin.logs.ask.nginx']);
    expect(stateOf(logs)).toBe('admin.logs');

    const line =
      '2024/05/01 10:02:03 [error] 1234#0: *5 upstream sent too big header while reading response header from upstream, client: 203.0.113.9, server: shop.example, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:8080/"';
    const explained = await person.say(line);
    const facts = explained.flatMap((r) => (cardOf(r)?.body ?? []).flatMap((b) => b.facts ?? []));
    const summary = explainText(line)[0]?.summary ?? '';
    expect(summary).toContain('proxy_buffer_size');
    expect(facts.map((f) => f.value.replace(/\\/g, ''))).toContain(summary);
    await expectHealthy(app);
  });
});
