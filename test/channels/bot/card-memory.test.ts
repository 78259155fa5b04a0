import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCardMemory } from '../../../src/channels/bot/card-memory';
import { SqliteStorage } from '../../../src/storage/sqlite-storage';

describe('card memory in the conversation storage', () => {
  let dir: string;
  let storage: SqliteStorage;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gd-cards-'));
    storage = new SqliteStorage({ path: path.join(dir, 'cards.db') });
  });
  afterEach(() => {
    storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const card = { reply: { key: 'user.step.reload', choices: [{ intent: 'yes' as const, labelKey: 'choice.yes' }] }, locale: 'de' as const };

  it('hands a card out once, to a click in its own conversation only', async () => {
    const cards = createCardMemory(storage);
    await cards.remember('msteams', 'a:1', 'act/1', card);
    expect(await cards.take('msteams', 'a:2', 'act/1')).toBeUndefined();
    expect(await cards.take('slack', 'a:1', 'act/1')).toBeUndefined();
    expect(await cards.take('msteams', 'a:1', 'act/1')).toEqual(card);
    expect(await cards.take('msteams', 'a:1', 'act/1')).toBeUndefined();
  });

  it('outlives a restart: another storage object on the same file finds the card', async () => {
    await createCardMemory(storage).remember('slack', 'C1', '1700000000.000100', card);
    const reopened = new SqliteStorage({ path: path.join(dir, 'cards.db') });
    try {
      expect(await createCardMemory(reopened).take('slack', 'C1', '1700000000.000100')).toEqual(card);
    } finally {
      reopened.close();
    }
  });

  it('takes a record of another shape (an older version, a hostile writer) as no card, and forgets it', async () => {
    const cards = createCardMemory(storage);
    await cards.remember('msteams', 'a:1', 'x', card);
    const [key] = Object.keys(await storage.read([`card/msteams/a%3A1/x`]));
    expect(key).toBe('card/msteams/a%3A1/x');
    await storage.write({ [key as string]: { reply: { choices: 'not a list' }, locale: 'xx' } });
    expect(await cards.take('msteams', 'a:1', 'x')).toBeUndefined();
    expect(await storage.read([key as string])).toEqual({});
  });
});
