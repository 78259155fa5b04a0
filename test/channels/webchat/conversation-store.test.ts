import { createMemoryConversationStore, parseWatermark, type ConversationEvent } from '../../../src/channels/webchat/conversation-store';
import { createFakeClock } from './helpers/fake-clock';

const message = (text: string) => ({ type: 'message', text });

// The behaviour every store shares is in conversation-store-contract.test.ts (memory, SQLite, Redis);
// this file keeps what only the memory store does: its idle sweep, its counters and its limits.
describe('memory conversation store', () => {
  it('tells listeners about logged and transient activities, and stops after unsubscribe', async () => {
    const store = createMemoryConversationStore();
    await store.create({ conversationId: 'c1' });
    const events: ConversationEvent[] = [];
    const unsubscribe = await store.subscribe('c1', (event) => events.push(event));
    await store.append('c1', message('hello'));
    await store.publish('c1', { type: 'typing' });
    unsubscribe();
    await store.append('c1', message('unseen'));
    expect(events.map((e) => [e.kind, e.kind === 'ended' ? null : e.activity.type, e.kind === 'logged' ? e.watermark : null])).toEqual([
      ['logged', 'message', 1],
      ['transient', 'typing', null],
    ]);
    // Typing never enters the log.
    expect((await store.activitiesAfter('c1', undefined))?.activities.map((a) => a.type)).toEqual(['message', 'message']);
  });

  it('drops conversations idle for longer than the limit, and the oldest beyond the count', async () => {
    const clock = createFakeClock(0);
    const store = createMemoryConversationStore({ idleMs: 60_000, maxConversations: 2, now: clock.now });
    await store.create({ conversationId: 'old' });
    clock.advance(30_000);
    await store.create({ conversationId: 'active' });
    clock.advance(31_000);
    expect(await store.get('old')).toBeUndefined();
    expect(await store.get('active')).toBeDefined();
    await store.create({ conversationId: 'b' });
    await store.create({ conversationId: 'c' });
    expect(await store.get('active')).toBeUndefined();
    expect(await store.get('b')).toBeDefined();
    expect(await store.get('c')).toBeDefined();
  });

  it('keeps a conversation within its size budget, newest first, and always keeps what was just logged', async () => {
    const store = createMemoryConversationStore({ maxConversationChars: 1000 });
    await store.create({ conversationId: 'c1' });
    for (let i = 1; i <= 10; i += 1) await store.append('c1', message(`m${i}-${'x'.repeat(200)}`));
    const kept = (await store.activitiesAfter('c1', undefined))?.activities ?? [];
    expect(kept.map((a) => String(a.text).slice(0, 3))).toEqual(['m7-', 'm8-', 'm9-', 'm10']);
    expect(store.stats()).toMatchObject({ conversations: 1, activities: 4 });
    expect(store.stats().chars).toBeLessThanOrEqual(1000);
    // One activity above the budget on its own is still delivered (the bot's own big card, say).
    await store.append('c1', message('y'.repeat(5000)));
    expect((await store.activitiesAfter('c1', undefined))?.activities.map((a) => String(a.text).length)).toEqual([5000]);
  });

  it('drops the least recently active conversations when the total size budget is spent', async () => {
    const store = createMemoryConversationStore({ maxTotalChars: 3000 });
    for (const id of ['a', 'b', 'c']) {
      await store.create({ conversationId: id });
      await store.append(id, message('z'.repeat(900)));
    }
    await store.get('a'); // a is now the most recently active
    await store.create({ conversationId: 'd' });
    await store.append('d', message('z'.repeat(900)));
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBeDefined();
    expect(store.stats().chars).toBeLessThanOrEqual(3000);
  });

  it('sweeps idle conversations on a timer, with no request needed, and tells their listeners', async () => {
    const clock = createFakeClock(0);
    const store = createMemoryConversationStore({ idleMs: 60_000, sweepIntervalMs: 10, now: clock.now });
    try {
      await store.create({ conversationId: 'idle' });
      await store.append('idle', message('hello'));
      const events: ConversationEvent[] = [];
      await store.subscribe('idle', (event) => events.push(event));
      clock.advance(61_000);
      const deadline = Date.now() + 2000;
      while (store.stats().conversations > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(store.stats()).toEqual({ conversations: 0, activities: 0, chars: 0 });
      expect(events).toEqual([{ kind: 'ended' }]);
    } finally {
      await store.close();
    }
  });

  it('stops sweeping on its own once closed', async () => {
    const clock = createFakeClock(0);
    const store = createMemoryConversationStore({ idleMs: 1000, sweepIntervalMs: 5, now: clock.now });
    await store.create({ conversationId: 'c1' });
    await store.close();
    clock.advance(5000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.stats().conversations).toBe(1);
    // Still answering after close: the next use sweeps.
    expect(await store.get('c1')).toBeUndefined();
  });

  it('keeps logging when a listener throws, and still tells the others', async () => {
    const store = createMemoryConversationStore();
    await store.create({ conversationId: 'c1' });
    const events: ConversationEvent[] = [];
    await store.subscribe('c1', () => {
      throw new Error('a socket broke mid-send');
    });
    await store.subscribe('c1', (event) => events.push(event));
    await expect(store.append('c1', message('one'))).resolves.toMatchObject({ id: 'c1|0000001' });
    await store.append('c1', message('two'));
    expect(events.map((e) => e.kind)).toEqual(['logged', 'logged']);
  });

  it('reads watermarks from query strings', () => {
    expect(parseWatermark(undefined)).toBeUndefined();
    expect(parseWatermark('')).toBeUndefined();
    expect(parseWatermark('-')).toBeUndefined();
    expect(parseWatermark('42')).toBe(42);
    expect(parseWatermark('4x')).toBeNull();
    expect(parseWatermark('-1')).toBeNull();
    expect(parseWatermark(['1', '2'])).toBeNull();
  });
});
