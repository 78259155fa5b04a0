/**
 * The behaviour every storage must show, run against each implementation by its own test file.
 * Semantics (all implementations): read returns only existing keys, each with its current eTag; a write
 * without eTag, with '' or '*' is unconditional; any other eTag must equal the stored one (a deleted or
 * never-written item has none, so it conflicts); a conflict on any item of a write() rejects the whole
 * call and writes nothing; every write gives a new eTag; values must be plain JSON.
 * Retention: an item is gone (absent to reads, conflicting for eTag writes) once `ttlMs` has passed since
 * its last write, whether or not a sweep has run; a write restarts its life, a read does not; the sweep
 * (or Redis itself) removes it from the store.
 */
import { ActivityTypes, ConversationState, TestAdapter } from 'botbuilder';
import type { Storage, StoreItems } from 'botbuilder';

/** A fresh, empty storage and how to dispose of it. */
export interface StorageUnderTest {
  storage: Storage;
  cleanup(): Promise<void>;
}

/** A storage created with a short TTL, and a way to let time pass, for the retention tests. */
export interface ExpiringStorageUnderTest {
  storage: Storage;
  /** The TTL the storage was created with. */
  ttlMs: number;
  /** Lets `ms` pass: moves the injected clock (memory, SQLite), or really waits (Redis). */
  advance(ms: number): Promise<void>;
  /** Runs the storage's sweep now (Redis expires keys itself: nothing to run). */
  sweep(): Promise<void>;
  /** How many items the store physically holds, expired ones not yet swept included (Map entries, rows, keys). */
  countStored(): Promise<number>;
  cleanup(): Promise<void>;
}

/** What else the contract needs from an implementation. */
export interface StorageContractOptions {
  /** A fresh, empty storage with a short TTL; called before each retention test. */
  createExpiring(): Promise<ExpiringStorageUnderTest>;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

async function readOne(storage: Storage, key: string): Promise<Record<string, unknown> | undefined> {
  const items = await storage.read([key]);
  return items[key] as Record<string, unknown> | undefined;
}

async function eTagOf(storage: Storage, key: string): Promise<string> {
  const item = await readOne(storage, key);
  const eTag = item?.eTag;
  if (typeof eTag !== 'string') throw new Error(`no eTag stored for ${key}`);
  return eTag;
}

const ODD_KEYS = [
  'ünïcödé ключ',
  '日本語のキー',
  '😀🚀 emoji 👩‍👩‍👧',
  'a/b/c',
  '../../etc/passwd',
  '/leading/and/trailing/',
  '100% sure %20 %zz %',
  'with space',
  ' ',
  '',
  'tab\tnew\nline',
  'nul\u0000byte',
  'quotes \' " `',
  '!@#$%^&*()~/\\><,.?\';"`~',
  'key:with:colons;and=equals',
  '__proto__',
  'constructor',
  'k'.repeat(1000),
  '🔑'.repeat(1000),
];

/** Defines the shared storage tests under `describe(name)`; `create` is called before each test. */
export function runStorageContract(
  name: string,
  create: () => Promise<StorageUnderTest>,
  { createExpiring }: StorageContractOptions,
): void {
  runRetentionContract(name, createExpiring);

  describe(`${name}: storage contract`, () => {
    let subject: StorageUnderTest | undefined;
    let storage: Storage;

    beforeEach(async () => {
      subject = await create();
      storage = subject.storage;
    });

    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    describe('read', () => {
      it('returns {} for no keys', async () => {
        await expect(storage.read([])).resolves.toEqual({});
      });

      it('returns only the keys that exist', async () => {
        await storage.write({ present: { n: 1 } });
        const items = await storage.read(['missing', 'present', 'also-missing']);
        expect(Object.keys(items)).toEqual(['present']);
        expect(items.present).toMatchObject({ n: 1 });
      });

      it('tolerates the same key twice', async () => {
        await storage.write({ twice: { n: 2 } });
        const items = await storage.read(['twice', 'twice']);
        expect(Object.keys(items)).toEqual(['twice']);
      });

      it('refuses keys that are not an array of strings', async () => {
        await expectCode(storage.read(null as unknown as string[]), 'invalid_key');
        await expectCode(storage.read([42] as unknown as string[]), 'invalid_key');
      });
    });

    describe('create, update, delete', () => {
      it('creates items and gives each a non-empty string eTag', async () => {
        await storage.write({ first: { id: 1 }, second: { id: 2, tags: ['a'] } });
        const items = await storage.read(['first', 'second']);
        expect(items.first).toEqual({ id: 1, eTag: expect.any(String) });
        expect(items.second).toEqual({ id: 2, tags: ['a'], eTag: expect.any(String) });
        expect(items.first.eTag).not.toBe('');
        expect(items.first.eTag).not.toBe(items.second.eTag);
      });

      it('updates an item written back with its current eTag, and changes the eTag', async () => {
        await storage.write({ counter: { count: 1 } });
        const loaded = await readOne(storage, 'counter');
        await storage.write({ counter: { ...loaded, count: 2 } });
        const reloaded = await readOne(storage, 'counter');
        expect(reloaded?.count).toBe(2);
        expect(reloaded?.eTag).toEqual(expect.any(String));
        expect(reloaded?.eTag).not.toBe(loaded?.eTag);
      });

      it('deletes items and ignores keys that do not exist', async () => {
        await storage.write({ d1: { n: 1 }, d2: { n: 2 }, keep: { n: 3 } });
        await storage.delete(['d1', 'd2', 'never-there']);
        await expect(storage.read(['d1', 'd2', 'keep'])).resolves.toEqual({ keep: { n: 3, eTag: expect.any(String) } });
        await expect(storage.delete(['never-there'])).resolves.toBeUndefined();
        await expect(storage.delete([])).resolves.toBeUndefined();
      });

      it('accepts a write with no items', async () => {
        await expect(storage.write({})).resolves.toBeUndefined();
      });

      it('can write an item again after deleting it', async () => {
        await storage.write({ again: { n: 1 } });
        await storage.delete(['again']);
        await storage.write({ again: { n: 2 } });
        await expect(readOne(storage, 'again')).resolves.toMatchObject({ n: 2 });
      });
    });

    describe('eTags', () => {
      it('rejects a stale eTag with etag_conflict naming the key, and leaves the item unchanged', async () => {
        await storage.write({ 'conv/x': { step: 1 } });
        const stale = await readOne(storage, 'conv/x');
        await storage.write({ 'conv/x': { ...stale, step: 2 } });
        const current = await readOne(storage, 'conv/x');

        const attempt = storage.write({ 'conv/x': { ...stale, step: 99 } });
        await expectCode(attempt, 'etag_conflict');
        await expect(attempt).rejects.toThrow('conv/x');
        await expect(readOne(storage, 'conv/x')).resolves.toEqual(current);
      });

      it('rejects an eTag for an item that no longer exists', async () => {
        await storage.write({ gone: { n: 1 } });
        const loaded = await readOne(storage, 'gone');
        await storage.delete(['gone']);
        await expectCode(storage.write({ gone: { ...loaded, n: 2 } }), 'etag_conflict');
        await expect(storage.read(['gone'])).resolves.toEqual({});
      });

      it("overwrites unconditionally with eTag '*', '' or no eTag", async () => {
        await storage.write({ free: { n: 1 } });
        await storage.write({ free: { n: 2 } }); // the first version's eTag is now stale for all of these
        await storage.write({ free: { n: 3, eTag: '*' } });
        await expect(readOne(storage, 'free')).resolves.toMatchObject({ n: 3 });
        await storage.write({ free: { n: 4 } });
        await expect(readOne(storage, 'free')).resolves.toMatchObject({ n: 4 });
        await storage.write({ free: { n: 5, eTag: '' } });
        await expect(readOne(storage, 'free')).resolves.toMatchObject({ n: 5 });
        await storage.write({ brandNew: { n: 1, eTag: '*' } });
        await expect(readOne(storage, 'brandNew')).resolves.toMatchObject({ n: 1 });
      });

      it('gives a new eTag on every write, even of identical content', async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 5; i += 1) {
          await storage.write({ same: { value: 'unchanged' } });
          seen.add(await eTagOf(storage, 'same'));
        }
        expect(seen.size).toBe(5);
      });

      it('does not store the eTag inside the value or change the caller’s object', async () => {
        await storage.write({ item: { n: 1 } });
        const loaded = await readOne(storage, 'item');
        const toWrite: Record<string, unknown> = { ...loaded, n: 2 };
        await storage.write({ item: toWrite });
        expect(toWrite.eTag).toBe(loaded?.eTag);
        const reread = await readOne(storage, 'item');
        expect(Object.keys(reread ?? {}).sort()).toEqual(['eTag', 'n']);
      });

      it('writes nothing from a multi-item write when one item conflicts', async () => {
        await storage.write({ a: { v: 'a1' }, b: { v: 'b1' } });
        const before = await storage.read(['a', 'b']);
        await storage.write({ b: { ...before.b, v: 'b2' } });
        const afterB = await readOne(storage, 'b');

        const attempt = storage.write({
          a: { ...before.a, v: 'a-new' }, // fresh eTag: would succeed alone
          fresh: { v: 'created' }, // no eTag: would succeed alone
          b: { ...before.b, v: 'b-stale' }, // stale eTag
        });
        await expectCode(attempt, 'etag_conflict');
        await expect(attempt).rejects.toMatchObject({ key: 'b' });
        await expect(storage.read(['a', 'b', 'fresh'])).resolves.toEqual({ a: before.a, b: afterB });
      });

      it('lets exactly one of many concurrent writers holding the same eTag win', async () => {
        await storage.write({ contested: { owner: 'nobody' } });
        const eTag = await eTagOf(storage, 'contested');
        const writers = Array.from({ length: 10 }, (_, i) => storage.write({ contested: { owner: `writer-${i}`, eTag } }));
        const outcomes = await Promise.allSettled(writers);
        const winners = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'etag_conflict' });
        }
        await expect(readOne(storage, 'contested')).resolves.toMatchObject({ owner: `writer-${winners[0]}` });
      });
    });

    describe('keys', () => {
      it('stores and reads back unicode, emoji, slashes, %, spaces, very long and empty-ish keys', async () => {
        const changes: StoreItems = {};
        ODD_KEYS.forEach((key, index) => {
          Object.defineProperty(changes, key, { value: { index }, enumerable: true });
        });
        await storage.write(changes);
        const items = await storage.read(ODD_KEYS);
        expect(Object.keys(items).sort()).toEqual([...ODD_KEYS].sort());
        ODD_KEYS.forEach((key, index) => {
          expect(Object.getOwnPropertyDescriptor(items, key)?.value).toEqual({ index, eTag: expect.any(String) });
        });
        expect(Object.getPrototypeOf(items)).toBe(Object.prototype);

        await storage.delete(ODD_KEYS);
        await expect(storage.read(ODD_KEYS)).resolves.toEqual({});
      });

      it('keeps keys that differ only in case or encoding apart', async () => {
        await storage.write({ Key: { n: 1 }, key: { n: 2 }, 'a%2Fb': { n: 3 }, 'a/b': { n: 4 } });
        const items = await storage.read(['Key', 'key', 'a%2Fb', 'a/b']);
        expect([items.Key.n, items.key.n, items['a%2Fb'].n, items['a/b'].n]).toEqual([1, 2, 3, 4]);
      });

      it('refuses a key with a lone surrogate, which UTF-8 stores cannot keep apart', async () => {
        await expectCode(storage.write({ 'broken\ud800': { n: 1 } }), 'invalid_key');
        await expectCode(storage.read(['broken\udc00']), 'invalid_key');
      });
    });

    describe('values', () => {
      it('round-trips nested JSON deeply equal', async () => {
        const value = {
          text: 'Bad Gateway — ошибка 502 — 不正なゲートウェイ 🙃',
          lone: 'half a pair \ud83d',
          numbers: [0, -1, Math.PI, 1e21, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
          flags: { yes: true, no: false, nothing: null },
          empty: { object: {}, array: [], string: '' },
          deep: { a: { b: { c: { d: { e: [{ f: [[1], [2, [3]]] }] } } } } },
          snapshot: { version: 3, value: { user: 'checkingSite' }, context: { attempts: 2, url: 'https://x.test/' } },
        };
        await storage.write({ nested: value });
        await expect(readOne(storage, 'nested')).resolves.toStrictEqual({ ...value, eTag: expect.any(String) });
      });

      it('stores a 1 MB value', async () => {
        const big = 'x'.repeat(1024 * 1024);
        const many = Array.from({ length: 20_000 }, (_, i) => ({ i, s: `entry-${i}` }));
        await storage.write({ big: { big }, many: { many } });
        const items = await storage.read(['big', 'many']);
        expect(items.big.big).toBe(big);
        expect(items.many.many).toEqual(many);
      });

      it('drops undefined properties, as JSON does', async () => {
        await storage.write({ sparse: { kept: 1, dropped: undefined, inner: { gone: undefined } } });
        const item = await readOne(storage, 'sparse');
        expect(item).toStrictEqual({ kept: 1, inner: {}, eTag: expect.any(String) });
      });

      it('hands out copies: changing a read item or a written object does not change storage', async () => {
        const written = { list: [1, 2], inner: { name: 'original' } };
        await storage.write({ copy: written });
        written.list.push(3);
        written.inner.name = 'changed after write';

        const first = await readOne(storage, 'copy');
        if (first === undefined) throw new Error('the item written above was not read back');
        (first.list as number[]).push(4);
        (first.inner as { name: string }).name = 'changed after read';
        first.extra = true;

        const second = await readOne(storage, 'copy');
        expect(second).toEqual({ list: [1, 2], inner: { name: 'original' }, eTag: expect.any(String) });
        expect(second).not.toBe(first);
      });

      it.each([
        ['a Date', { when: new Date(0) }],
        ['a function', { run: () => 1 }],
        ['a Map', { map: new Map([[1, 2]]) }],
        ['a Set', { set: new Set([1]) }],
        ['a class instance', { error: new Error('x') }],
        ['NaN', { n: Number.NaN }],
        ['Infinity', { n: Number.POSITIVE_INFINITY }],
        ['a bigint', { n: BigInt(1) }],
        ['a symbol', { s: Symbol('s') }],
        ['undefined in an array', { list: [1, undefined, 3] }],
        ['a nested function', { a: [{ b: { c: () => 1 } }] }],
      ])('refuses a value holding %s with not_json, writing nothing', async (_label, value) => {
        const attempt = storage.write({ good: { ok: true }, bad: value });
        await expectCode(attempt, 'not_json');
        await expect(storage.read(['good', 'bad'])).resolves.toEqual({});
      });

      it('refuses a value that refers back to itself', async () => {
        const cyclic: Record<string, unknown> = { name: 'loop' };
        cyclic.self = { parent: cyclic };
        await expectCode(storage.write({ cyclic }), 'not_json');
        await expect(storage.read(['cyclic'])).resolves.toEqual({});
      });

      it('accepts the same object twice when it is not a cycle', async () => {
        const shared = { n: 1 };
        await storage.write({ twice: { left: shared, right: shared } });
        await expect(readOne(storage, 'twice')).resolves.toMatchObject({ left: { n: 1 }, right: { n: 1 } });
      });

      it.each([
        ['a string', 'text'],
        ['a number', 42],
        ['null', null],
        ['an array', [1, 2]],
        ['a class instance', new Date(0)],
        ['a numeric eTag', { n: 1, eTag: 7 }],
      ])('refuses an item that is %s with invalid_item', async (_label, value) => {
        await expectCode(storage.write({ item: value }), 'invalid_item');
        await expect(storage.read(['item'])).resolves.toEqual({});
      });
    });

    describe('with botbuilder', () => {
      it('keeps ConversationState across turns', async () => {
        const conversationState = new ConversationState(storage);
        const turns = conversationState.createProperty<number>('turns');
        const adapter = new TestAdapter(async (context) => {
          if (context.activity.type !== ActivityTypes.Message) return;
          const count = (await turns.get(context, 0)) + 1;
          await turns.set(context, count);
          await context.sendActivity(`turn ${count}`);
          await conversationState.saveChanges(context);
        });
        await adapter.send('a').assertReply('turn 1').send('b').assertReply('turn 2').send('c').assertReply('turn 3').startTest();
      });
    });
  });
}

/** The retention half of the contract: every storage expires state STATE_TTL_DAYS after its last write. */
function runRetentionContract(name: string, createExpiring: () => Promise<ExpiringStorageUnderTest>): void {
  describe(`${name}: retention contract`, () => {
    let subject: ExpiringStorageUnderTest | undefined;
    let storage: Storage;
    let ttlMs: number;
    // Fractions of the TTL, not fixed times, so the same tests run on a fake clock and on Redis' real one.
    const advance = (fraction: number): Promise<void> => subject?.advance(Math.round(ttlMs * fraction)) ?? Promise.resolve();

    beforeEach(async () => {
      subject = await createExpiring();
      ({ storage, ttlMs } = subject);
    });

    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    it('keeps an item readable, with the same eTag, before its TTL has passed', async () => {
      await storage.write({ 'conv/web/fresh': { step: 1 } });
      const eTag = await eTagOf(storage, 'conv/web/fresh');
      await advance(0.5);
      await expect(readOne(storage, 'conv/web/fresh')).resolves.toEqual({ step: 1, eTag });
    });

    it('treats every item of a write as gone once its TTL has passed', async () => {
      await storage.write({ 'conv/web/old': { step: 1 }, 'user/web/old': { locale: 'fr' } });
      await advance(1.5);
      await expect(storage.read(['conv/web/old', 'user/web/old'])).resolves.toEqual({});
    });

    it('restarts the TTL on every write, but not on a read', async () => {
      await storage.write({ written: { n: 1 }, onlyRead: { n: 1 } });
      await advance(0.6);
      const written = await readOne(storage, 'written');
      await storage.write({ written: { ...written, n: 2 } });
      await expect(readOne(storage, 'onlyRead')).resolves.toMatchObject({ n: 1 });
      await advance(0.6);
      // 1.2 TTLs after the first write, 0.6 after the second.
      await expect(storage.read(['written', 'onlyRead'])).resolves.toEqual({
        written: { n: 2, eTag: expect.any(String) },
      });
    });

    it('refuses the eTag of an expired item with etag_conflict, and lets a fresh write start over', async () => {
      await storage.write({ 'conv/web/late': { step: 1 } });
      const loaded = await readOne(storage, 'conv/web/late');
      await advance(1.5);
      await expectCode(storage.write({ 'conv/web/late': { ...loaded, step: 2 } }), 'etag_conflict');
      await expect(storage.read(['conv/web/late'])).resolves.toEqual({});
      await storage.write({ 'conv/web/late': { step: 1, eTag: '*' } });
      await expect(readOne(storage, 'conv/web/late')).resolves.toMatchObject({ step: 1 });
    });

    it('removes expired items from the store itself, keeping live ones', async () => {
      await storage.write({ old1: { n: 1 }, old2: { n: 2 } });
      await advance(0.6);
      await storage.write({ live: { n: 3 } });
      await advance(0.6);
      await subject?.sweep();
      await expect(subject?.countStored()).resolves.toBe(1);
      await expect(storage.read(['old1', 'old2', 'live'])).resolves.toEqual({ live: { n: 3, eTag: expect.any(String) } });
    });
  });
}
