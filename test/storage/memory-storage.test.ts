import { MemoryStorage } from '../../src/storage/memory-storage';
import { runStorageContract } from './storage-contract';

runStorageContract('MemoryStorage', async () => ({ storage: new MemoryStorage(), cleanup: async () => undefined }));

describe('MemoryStorage', () => {
  it('keeps separate instances separate', async () => {
    const first = new MemoryStorage();
    const second = new MemoryStorage();
    await first.write({ only: { here: true } });
    await expect(second.read(['only'])).resolves.toEqual({});
  });
});
