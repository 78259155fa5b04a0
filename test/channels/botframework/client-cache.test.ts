import { ActivityTypes, type Activity, type TurnContext } from 'botbuilder';
import { type BotFrameworkAuthentication, ClaimsIdentity, ConnectorFactory, type ConnectorClient } from 'botframework-connector';
import { createCloudAdapter } from '../../../src/channels/botframework/bot-framework-routes';
import { ClientCachingAuthentication } from '../../../src/channels/botframework/client-cache';
import { createLogger } from '../../../src/observability/logger';
import { startConnector, type FakeConnector } from '../../helpers/fake-connector';

const logger = createLogger('silent');

function message(serviceUrl: string, id: string): Activity {
  return {
    type: ActivityTypes.Message,
    id,
    channelId: 'emulator',
    serviceUrl,
    conversation: { id: 'conv-1', isGroup: false, conversationType: 'personal', name: '' },
    from: { id: 'user-1', name: 'Ana' },
    recipient: { id: 'bot', name: 'bot' },
    text: 'hello',
  } as Activity;
}

describe('ClientCachingAuthentication', () => {
  let connectors: FakeConnector[] = [];

  afterEach(async () => {
    await Promise.all(connectors.map((c) => c.close()));
    connectors = [];
  });

  it('lends one connector per service URL to every turn, and each turn still reaches its own connector', async () => {
    connectors = [await startConnector(), await startConnector()];
    const [first, second] = connectors as [FakeConnector, FakeConnector];
    const adapter = createCloudAdapter({}, logger);
    const auth = adapter.authentication as ClientCachingAuthentication;
    expect(auth).toBeInstanceOf(ClientCachingAuthentication);
    const clients = new Set<unknown>();
    const logic = async (context: TurnContext) => {
      clients.add(context.turnState.get(adapter.ConnectorClientKey));
      await context.sendActivity(`echo ${context.activity.id}`);
    };

    for (const [i, url] of [first.url, first.url, second.url, first.url].entries()) {
      const activity = message(url, `a${i}`);
      await adapter.runAuthenticated(await auth.authenticateRequest(activity, ''), activity, logic);
    }

    expect(clients.size).toBe(2);
    expect(auth.connectorCount).toBe(2);
    expect(first.received.map((r) => r.body.text)).toEqual(['echo a0', 'echo a1', 'echo a3']);
    expect(second.received.map((r) => r.body.text)).toEqual(['echo a2']);
  });

  it('proactive messages share the cached connector too', async () => {
    connectors = [await startConnector()];
    const [connector] = connectors as [FakeConnector];
    const adapter = createCloudAdapter({}, logger);
    const auth = adapter.authentication as ClientCachingAuthentication;
    const reference = { ...message(connector.url, 'p'), bot: { id: 'bot', name: 'bot' }, user: { id: 'user-1', name: 'Ana' } };
    for (const text of ['one', 'two']) {
      await adapter.continueConversationAsync('', reference as never, async (context) => {
        await context.sendActivity(text);
      });
    }
    expect(connector.received.map((r) => r.body.text)).toEqual(['one', 'two']);
    expect(auth.connectorCount).toBe(1);
  });

  it('forgets a client that could not be built, so the next turn tries again', async () => {
    let attempts = 0;
    const failingOnce = new (class extends ConnectorFactory {
      async create(): Promise<ConnectorClient> {
        attempts += 1;
        if (attempts === 1) throw new Error('credentials unavailable');
        return { attempt: attempts } as unknown as ConnectorClient;
      }
    })();
    const inner = {
      createConnectorFactory: () => failingOnce,
    } as unknown as BotFrameworkAuthentication;
    const auth = new ClientCachingAuthentication(inner);
    const factory = auth.createConnectorFactory(new ClaimsIdentity([{ type: 'aud', value: 'app' }]));
    await expect(factory.create('https://connector.example/', 'aud')).rejects.toThrow('credentials unavailable');
    await expect(factory.create('https://connector.example/', 'aud')).resolves.toEqual({ attempt: 2 });
    await expect(factory.create('https://connector.example/', 'aud')).resolves.toEqual({ attempt: 2 });
    expect(attempts).toBe(2);
  });

  it('keeps no more clients than its limit, and separates apps and audiences', async () => {
    const inner = {
      createConnectorFactory: (claims: ClaimsIdentity) =>
        new (class extends ConnectorFactory {
          async create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
            return { serviceUrl, audience, app: claims.getClaimValue('aud') } as unknown as ConnectorClient;
          }
        })(),
    } as unknown as BotFrameworkAuthentication;
    const auth = new ClientCachingAuthentication(inner, 3);
    const a = auth.createConnectorFactory(new ClaimsIdentity([{ type: 'aud', value: 'app-a' }]));
    const b = auth.createConnectorFactory(new ClaimsIdentity([{ type: 'aud', value: 'app-b' }]));
    expect(await a.create('https://s/', 'x')).toEqual({ serviceUrl: 'https://s/', audience: 'x', app: 'app-a' });
    expect(await b.create('https://s/', 'x')).toEqual({ serviceUrl: 'https://s/', audience: 'x', app: 'app-b' });
    expect(await a.create('https://s/', 'y')).toEqual({ serviceUrl: 'https://s/', audience: 'y', app: 'app-a' });
    for (let i = 0; i < 10; i += 1) await a.create(`https://s${i}/`, 'x');
    expect(auth.connectorCount).toBe(3);
  });
});
