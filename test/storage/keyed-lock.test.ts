import { createKeyedLock } from '../../src/storage/keyed-lock';

/** A promise whose settling the test controls. */
function createGate<T = void>() {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** Lets every queued microtask and pending callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createKeyedLock', () => {
  it('runs work for the same key one at a time, in the order it was queued', async () => {
    const lock = createKeyedLock();
    const events: string[] = [];
    const gates = [createGate(), createGate(), createGate()];
    const runs = gates.map((gate, i) =>
      lock.run('conv/1', async () => {
        events.push(`start ${i}`);
        await gate.promise;
        events.push(`end ${i}`);
        return i;
      }),
    );

    await settle();
    expect(events).toEqual(['start 0']);
    // Finish out of order: the second must still wait for the first.
    gates[2]?.open();
    gates[1]?.open();
    await settle();
    expect(events).toEqual(['start 0']);
    gates[0]?.open();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2]);
    expect(events).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('runs work for different keys concurrently', async () => {
    const lock = createKeyedLock();
    const gate = createGate();
    const started: string[] = [];
    const slow = lock.run('conv/a', async () => {
      started.push('a');
      await gate.promise;
    });
    const other = lock.run('conv/b', async () => {
      started.push('b');
      return 'b done';
    });
    await expect(other).resolves.toBe('b done');
    expect(started).toEqual(['a', 'b']);
    gate.open();
    await slow;
  });

  it('passes a rejection to its caller only and keeps the queue going', async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    const failing = lock.run('conv/1', async () => {
      order.push('fails');
      throw Object.assign(new Error('boom'), { code: 'test_failure' });
    });
    const throwingSync = lock.run('conv/1', (() => {
      order.push('throws synchronously');
      throw new Error('sync boom');
    }) as () => Promise<never>);
    const next = lock.run('conv/1', async () => {
      order.push('runs after');
      return 'ok';
    });
    await expect(failing).rejects.toMatchObject({ code: 'test_failure' });
    await expect(throwingSync).rejects.toThrow('sync boom');
    await expect(next).resolves.toBe('ok');
    expect(order).toEqual(['fails', 'throws synchronously', 'runs after']);
  });

  it('forgets keys once their work is done', async () => {
    const lock = createKeyedLock();
    const gate = createGate();
    const held = lock.run('busy', () => gate.promise);
    await Promise.all(Array.from({ length: 100 }, (_, i) => lock.run(`idle-${i}`, async () => i)));
    await lock.run('failing', async () => Promise.reject(new Error('x'))).catch(() => undefined);
    await settle();
    expect(lock.size).toBe(1);
    gate.open();
    await held;
    await settle();
    expect(lock.size).toBe(0);
  });

  it('keeps the queue when the first of several runs finishes', async () => {
    const lock = createKeyedLock();
    const first = createGate();
    const second = createGate();
    const order: number[] = [];
    const a = lock.run('k', async () => {
      await first.promise;
      order.push(1);
    });
    const b = lock.run('k', async () => {
      await second.promise;
      order.push(2);
    });
    first.open();
    await a;
    await settle();
    expect(lock.size).toBe(1);
    // A run queued now must still wait for b, not start beside it.
    const c = lock.run('k', async () => {
      order.push(3);
    });
    await settle();
    expect(order).toEqual([1]);
    second.open();
    await Promise.all([b, c]);
    expect(order).toEqual([1, 2, 3]);
  });
});
