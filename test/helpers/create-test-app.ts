/** Starts the whole app (the composition root) on 127.0.0.1:0 with test-friendly configuration. */
import { loadConfig } from '../../src/config';
import { startApp, type RunningApp } from '../../src/index';
import { createLogger } from '../../src/observability/logger';
import { createStaticResolver } from '../../src/probe/resolver';

/**
 * Names the app may resolve in tests: loopback only. Every other name fails as NXDOMAIN here instead of
 * reaching the machine's DNS server (tests never leave loopback).
 */
export const TEST_HOSTS: Record<string, string[]> = { localhost: ['127.0.0.1'] };

export async function createTestApp(env: Record<string, string> = {}): Promise<RunningApp> {
  const config = loadConfig({
    PORT: '0',
    STORAGE: 'memory',
    PROBE_ALLOW_CIDRS: '127.0.0.0/8',
    PROBE_TIMEOUT_MS: '1500',
    LOG_LEVEL: 'silent',
    ...env,
  });
  return startApp(config, createLogger('silent'), {
    resolver: createStaticResolver(TEST_HOSTS),
    lookupDns: async (host) => ({
      host,
      a: TEST_HOSTS[host] ?? [],
      aaaa: [],
      cname: [],
      ns: [],
      ...(TEST_HOSTS[host] ? {} : { error: 'ENOTFOUND' }),
    }),
  });
}

/** A Bot Framework activity as the Emulator or a test client sends it, asking for the replies inline. */
export function createActivity(partial: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    id: `act-${Math.random().toString(36).slice(2)}`,
    channelId: 'emulator',
    serviceUrl: 'http://127.0.0.1:9/',
    deliveryMode: 'expectReplies',
    conversation: { id: 'conv-1' },
    from: { id: 'user-1', name: 'Ana' },
    recipient: { id: 'bot', name: 'Gateway Doctor' },
    locale: 'en-US',
    ...partial,
  };
}

/**
 * A Teams message as Teams posts it to /api/messages: replies go to the connector at `serviceUrl` (no
 * expectReplies), in a personal chat unless `partial` says otherwise.
 */
export function createTeamsActivity(
  serviceUrl: string,
  conversationId: string,
  partial: Record<string, unknown> = {},
): Record<string, unknown> {
  return createActivity({
    channelId: 'msteams',
    deliveryMode: undefined,
    serviceUrl,
    conversation: { id: conversationId, conversationType: 'personal', tenantId: 't1' },
    recipient: { id: '28:gateway-doctor', name: 'Gateway Doctor' },
    from: { id: '29:user', name: 'Ana' },
    ...partial,
  });
}

export interface BotReply {
  type: string;
  text?: string;
  summary?: string;
  attachments?: { contentType: string; content: { body?: unknown[]; actions?: { data?: { gatewayDoctor?: { intent: string } } }[] } }[];
  channelData?: {
    gatewayDoctor?: {
      state: string;
      verdict?: string;
      advice?: string;
      producer?: string;
      cause?: string;
      incident?: { id: string; title: string };
    };
  };
}

/** POSTs one activity to /api/messages and returns the bot's inline replies (messages only). */
export async function sendActivity(baseUrl: string, activity: Record<string, unknown>): Promise<BotReply[]> {
  const res = await fetch(`${baseUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  if (res.status !== 200) throw new Error(`/api/messages answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { activities?: BotReply[] };
  return (body.activities ?? []).filter((a) => a.type === 'message');
}

/** The button intents a reply offers, from its Adaptive Card. */
export function intentsOf(reply: BotReply | undefined): string[] {
  return (reply?.attachments ?? []).flatMap((a) => (a.content.actions ?? []).map((action) => action.data?.gatewayDoctor?.intent ?? ''));
}
