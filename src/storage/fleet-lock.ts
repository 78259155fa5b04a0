/**
 * "Only one instance does this now": a named claim that expires on its own (Redis SET NX PX), so several
 * instances on one Redis split periodic work (the watcher's rounds) and an instance that dies holding a
 * claim blocks nothing past its expiry. With memory or SQLite storage there is one instance: every claim
 * is granted.
 */
import type { StorageBackend } from './create-storage';

/** Claims that expire on their own. */
export interface FleetLock {
  /**
   * True when this caller got `name` for `ttlMs` (nobody else can for that long; it is never released
   * early, so the work runs once per name). While Redis is unreachable every claim is granted: doing the
   * work twice beats not doing it at all.
   */
  claim(name: string, ttlMs: number): Promise<boolean>;
}

/** The fleet lock on the storage's own connection. */
export function createFleetLock(backend: StorageBackend): FleetLock {
  if (backend.kind !== 'redis') return { claim: async () => true };
  const { client, keyPrefix } = backend;
  return {
    async claim(name, ttlMs) {
      if (client.status !== 'ready') return true;
      try {
        return (await client.set(`${keyPrefix}lock:${name}`, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
      } catch {
        return true;
      }
    },
  };
}
