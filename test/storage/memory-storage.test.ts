import { MemoryStorage } from '../../src/storage/memory-storage';
import { createClock, waitFor } from './clock';
import { runStorageContract } from './storage-contract';

const TTL_MS = 10 * 60_000;

runStorageContract('MemoryStorage', async () => ({ storage: new MemoryStorage(), cleanup: async () => undefined }), {
  createExpiring: async () => {
    const clock = createClock();
    const storage = new MemoryStorage({ ttlMs: TTL_MS, now: clock.now });
    return {
      storage,
      ttlMs: TTL_MS,
      advance: async (ms) => void clock.advance(ms),
      sweep: async () => void (await storage.sweep()),
      countStored: async () => storage.size,
      cleanup: async () => storage.close(),
    };
  },
});

describe('MemoryStorage', () => {
  it('keeps separate instances separate', async () => {
    const first = new MemoryStorage();
    const second = new MemoryStorage();
    await first.write({ only: { here: true } });
    await expect(second.read(['only'])).resolves.toEqual({});
  });

  it('expires exactly ttlMs after the last write, and holds expired items only until a sweep', async () => {
    const clock = createClock();
    const storage = new MemoryStorage({ ttlMs: 1000, now: clock.now });
    await storage.write({ k: { n: 1 } });
    clock.advance(999);
    await expect(storage.read(['k'])).resolves.toMatchObject({ k: { n: 1 } });
    clock.advance(1);
    await expect(storage.read(['k'])).resolves.toEqual({});
    expect(storage.size).toBe(1);
    await expect(storage.sweep()).resolves.toBe(1);
    expect(storage.size).toBe(0);
    storage.close();
  });

  it('sweeps on its own timer, and stops when closed', async () => {
    const clock = createClock();
    const storage = new MemoryStorage({ ttlMs: 1000, now: clock.now, sweepIntervalMs: 10 });
    await storage.write({ k: { n: 1 } });
    clock.advance(1000);
    await waitFor(() => storage.size === 0);
    storage.close();
    await storage.write({ after: { n: 2 } });
    clock.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(storage.size).toBe(1); // no sweep after close(); reads still treat it as gone
    await expect(storage.read(['after'])).resolves.toEqual({});
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a ttlMs of %p with invalid_ttl', (ttlMs) => {
    expect(() => new MemoryStorage({ ttlMs })).toThrow(expect.objectContaining({ code: 'invalid_ttl' }));
  });
});
