/**
 * botbuilder's CloudAdapter builds a new ConnectorClient (an Azure HTTP pipeline with a dozen policies) and
 * a new UserTokenClient for every activity it processes, even one answered inline (`expectReplies`) that never
 * calls the connector. Profiled under load, that was an eighth of the CPU of a whole turn.
 *
 * Neither client holds anything of one turn: a ConnectorClient is the bot's credentials plus one service URL
 * and audience, and a UserTokenClient is the bot's credentials. So this wrapper around the SDK's own
 * authentication keeps one of each per (bot app id, service URL, audience) and lends it to every turn.
 * Reusing one also reuses its credentials, whose access token is cached until it expires, instead of asking
 * Entra ID for a token per new client.
 *
 * Authentication itself (token validation, caller ids) is the wrapped object's, untouched. The map is
 * bounded: service URLs come from authenticated activities (or loopback ones in local development), and
 * even so no more than `limit` clients are kept; the oldest goes first.
 */
import {
  AuthenticationConstants,
  BotFrameworkAuthentication,
  ConnectorFactory,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import type { Activity } from 'botbuilder';

/** How many clients of each kind are kept at most. */
export const DEFAULT_CLIENT_CACHE_LIMIT = 256;

/** The app id the SDK builds clients for: the audience claim from channels, the appid claim from the Emulator. */
function appIdOf(claimsIdentity: ClaimsIdentity): string {
  return (
    claimsIdentity.getClaimValue(AuthenticationConstants.AudienceClaim) ??
    claimsIdentity.getClaimValue(AuthenticationConstants.AppIdClaim) ??
    ''
  );
}

/** A bounded map of promised clients; a rejected promise is forgotten so the next turn tries again. */
class ClientCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  constructor(private readonly limit: number) {}

  get(key: string, create: () => Promise<T>): Promise<T> {
    const known = this.entries.get(key);
    if (known) return known;
    const created = create();
    this.entries.set(key, created);
    created.catch(() => {
      if (this.entries.get(key) === created) this.entries.delete(key);
    });
    if (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return created;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The SDK's authentication with its clients kept across turns. */
export class ClientCachingAuthentication extends BotFrameworkAuthentication {
  private readonly connectors: ClientCache<ConnectorClient>;
  private readonly userTokenClients: ClientCache<UserTokenClient>;

  constructor(
    private readonly inner: BotFrameworkAuthentication,
    limit = DEFAULT_CLIENT_CACHE_LIMIT,
  ) {
    super();
    this.connectors = new ClientCache(limit);
    this.userTokenClients = new ClientCache(limit);
  }

  /** How many connector clients are kept (for tests). */
  get connectorCount(): number {
    return this.connectors.size;
  }

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const result = await this.inner.authenticateRequest(activity, authHeader);
    if (!result.connectorFactory) return result;
    return { ...result, connectorFactory: this.cachingFactory(result.claimsIdentity, result.connectorFactory) };
  }

  override authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.inner.authenticateStreamingRequest(authHeader, channelIdHeader);
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.cachingFactory(claimsIdentity, this.inner.createConnectorFactory(claimsIdentity));
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.userTokenClients.get(appIdOf(claimsIdentity), () => this.inner.createUserTokenClient(claimsIdentity));
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }

  private cachingFactory(claimsIdentity: ClaimsIdentity, factory: ConnectorFactory): ConnectorFactory {
    return new CachingConnectorFactory(appIdOf(claimsIdentity), factory, this.connectors);
  }
}

/** The SDK's connector factory for one app, answering from the shared cache. */
class CachingConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly appId: string,
    private readonly inner: ConnectorFactory,
    private readonly connectors: ClientCache<ConnectorClient>,
  ) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return this.connectors.get(`${this.appId}\n${serviceUrl}\n${audience ?? ''}`, () => this.inner.create(serviceUrl, audience));
  }
}
