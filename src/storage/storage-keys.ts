/**
 * The one place a conversation's storage key is built (the turn runner's de-duplication keys extend it). Each
 * id is percent-encoded, so an id containing '/', ':' or ';' (Teams conversation ids do) can never make two
 * different conversations share a key.
 */
import { StorageError } from './storage-errors';

type Id = string | null | undefined;

function encodeId(name: string, value: Id): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new StorageError('missing_id', `Cannot build a storage key: ${name} is missing.`);
  }
  try {
    return encodeURIComponent(value);
  } catch (error) {
    // encodeURIComponent refuses lone surrogates; such an id cannot be stored faithfully.
    throw new StorageError('invalid_key', `Cannot build a storage key: ${name} is not valid text.`, { cause: error });
  }
}

/** Key of a conversation's saved state: `conv/<channel>/<conversation>`. */
export function conversationKey(channelId: Id, conversationId: Id): string {
  return `conv/${encodeId('channelId', channelId)}/${encodeId('conversationId', conversationId)}`;
}
