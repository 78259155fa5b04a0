/**
 * The turn runner over a storage that is not ours: botbuilder's own MemoryStorage rejects a stale eTag with
 * a plain Error, not a StorageError. Two instances writing the same conversation must still retry.
 */
import { MemoryStorage as BotbuilderMemoryStorage } from 'botbuilder';
import { fromPromise } from 'xstate';
import { supportMachine } from '../../dialogs/support.machine';
import type { DnsLookupInput, ProbeInput } from '../../dialogs/types';
import type { DnsReport, PublicProbeResult } from '../../src/contracts';
import { createTurnRunner, TurnConflictError, type TurnRequest } from '../../src/core/turn-runner';
import { createLogger } from '../../src/observability/logger';
import { MemoryActivityDedupe } from '../../src/storage/activity-dedupe';
import { createKeyedLock } from '../../src/storage/keyed-lock';
import { isStorageError } from '../../src/storage/storage-errors';

const KEY = 'conv/test/conflict';

const DOWN: PublicProbeResult = {
  url: 'https://shop.example/',
  verdict: 'down',
  advice: 'wait',
  httpStatus: 502,
  timings: { totalMs: 5 },
  evidence: [],
  checkedAt: '2026-11-21T10:00:00.000Z',
};

const machine = supportMachine.provide({
  actors: {
    // Slow enough that two turns started together have both read the conversation before either writes.
    probeSite: fromPromise<PublicProbeResult, ProbeInput>(
      ({ input }) => new Promise((resolve) => setTimeout(() => resolve({ ...DOWN, url: input.url }), 50)),
    ),
    lookupDns: fromPromise<DnsReport, DnsLookupInput>(async ({ input }) => ({ host: input.host, a: [], aaaa: [], cname: [], ns: [] })),
  },
});

/** One instance of the app: its own lock and de-duplication, the storage shared with the others. */
function createInstance(storage: BotbuilderMemoryStorage) {
  return createTurnRunner({
    machine,
    storage,
    dedupe: new MemoryActivityDedupe(),
    lock: createKeyedLock(),
    logger: createLogger('silent'),
  });
}

const siteNamed = (): TurnRequest => ({
  key: KEY,
  locale: 'en',
  events: [{ type: 'user.message', text: 'https://shop.example/ 502', intents: [], url: 'https://shop.example/' }],
});

describe("turn runner over botbuilder's MemoryStorage", () => {
  it('retries when another instance wrote the same conversation in between', async () => {
    const storage = new BotbuilderMemoryStorage();
    const [one, two] = [createInstance(storage), createInstance(storage)];
    await one.run({ key: KEY, locale: 'en', events: [{ type: 'conversation.start' }] });
    const writes: string[] = [];
    const write = storage.write.bind(storage);
    storage.write = (changes) =>
      write(changes).then(
        () => void writes.push('written'),
        (err: unknown) => {
          writes.push(isStorageError(err, 'etag_conflict') ? 'conflict' : 'other');
          throw err;
        },
      );

    const results = await Promise.all([one.run(siteNamed()), two.run(siteNamed())]);
    expect(results.map((r) => r.status.state)).toEqual(['user.down', 'user.down']);
    // The real conflict happened, and the loser re-read and wrote again.
    expect(writes).toEqual(['written', 'conflict', 'written']);
  });

  it('gives up with a named TurnConflictError when the conversation keeps changing', async () => {
    const storage = new BotbuilderMemoryStorage();
    const runner = createInstance(storage);
    await runner.run({ key: KEY, locale: 'en', events: [{ type: 'conversation.start' }] });
    const write = storage.write.bind(storage);
    storage.write = async (changes) => {
      // Another instance saves the conversation just before each of our writes.
      const current = await storage.read([KEY]);
      await write({ [KEY]: { ...(current[KEY] as object), eTag: '*' } });
      return write(changes);
    };
    const failure = await runner.run(siteNamed()).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(TurnConflictError);
    expect(failure).toMatchObject({ name: 'TurnConflictError', code: 'turn_conflict' });
    expect(isStorageError((failure as Error).cause, 'etag_conflict')).toBe(true);
  });
});
