/**
 * The network address of whoever sent a turn, carried in the TurnContext's turnState so the bot can charge
 * per-client limits. Only a channel that saw the HTTP request sets it, from the request (behind a trusted
 * proxy, from X-Forwarded-For as TRUST_PROXY allows), never from the activity body, which the client writes.
 */
import type { TurnContext } from 'botbuilder';

/** turnState key of the client's address (a string); absent when the channel does not know it. */
export const CLIENT_ADDRESS_KEY = Symbol('gatewayDoctor.clientAddress');

/** The client's address for this turn, or undefined when the channel did not say. */
export function clientAddressOf(context: Pick<TurnContext, 'turnState'>): string | undefined {
  const address: unknown = context.turnState.get(CLIENT_ADDRESS_KEY);
  return typeof address === 'string' && address !== '' ? address : undefined;
}
