import { MemoryStorage as BotbuilderMemoryStorage } from 'botbuilder';
import { MemoryStorage } from '../../src/storage/memory-storage';
import { StorageError, isStorageError } from '../../src/storage/storage-errors';

/** The error a storage rejects a stale eTag with, provoked for real: two writers holding the same eTag. */
async function conflictOf(storage: BotbuilderMemoryStorage | MemoryStorage): Promise<unknown> {
  await storage.write({ item: { n: 1 } });
  const { item } = (await storage.read(['item'])) as { item: { n: number; eTag: string } };
  await storage.write({ item: { ...item, n: 2 } });
  return storage.write({ item: { ...item, n: 3 } }).then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('isStorageError', () => {
  it('recognises our own conflict, and our other errors by their code', async () => {
    const conflict = await conflictOf(new MemoryStorage());
    expect(isStorageError(conflict, 'etag_conflict')).toBe(true);
    expect(isStorageError(conflict)).toBe(true);
    expect(isStorageError(new StorageError('invalid_key', 'bad key'), 'invalid_key')).toBe(true);
    expect(isStorageError(new StorageError('invalid_key', 'bad key'), 'etag_conflict')).toBe(false);
  });

  it("recognises the conflict of botbuilder's own MemoryStorage, which is a plain Error", async () => {
    const conflict = await conflictOf(new BotbuilderMemoryStorage());
    expect(conflict).toBeInstanceOf(Error);
    expect(isStorageError(conflict, 'etag_conflict')).toBe(true);
    // Not ours: it is not a StorageError, and no other code matches it.
    expect(isStorageError(conflict)).toBe(false);
    expect(isStorageError(conflict, 'storage_unavailable')).toBe(false);
  });

  it('recognises a precondition failure (HTTP 412) from Cosmos DB and the Azure SDKs', () => {
    // The shapes botbuilder-azure passes on: the Cosmos SDK's ErrorResponse (`code`) and a RestError (`statusCode`).
    const cosmos = Object.assign(new Error('[Error upserting document] one of the specified pre-condition is not met'), { code: 412 });
    const blob = Object.assign(new Error('The condition specified using HTTP conditional header(s) is not met.'), { statusCode: 412 });
    expect(isStorageError(cosmos, 'etag_conflict')).toBe(true);
    expect(isStorageError(blob, 'etag_conflict')).toBe(true);
  });

  it('does not take other failures for a conflict', () => {
    for (const other of [
      new Error('connection reset'),
      Object.assign(new Error('not found'), { code: 404 }),
      Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
      new Error('eTag conflict'),
      'Storage: error writing "x" due to eTag conflict.',
      undefined,
      null,
    ]) {
      expect(isStorageError(other, 'etag_conflict')).toBe(false);
    }
  });
});
