import { LOCALES, type LocaleId } from '../../../src/contracts';
import { INTENTS } from '../../../dialogs/types';
import { UNDERSTANDING_TABLES, parseUnderstandingTable } from '../../../src/core/understanding';
import { matchForm } from '../../../src/core/understanding/normalise';
import en from '../../../locales/en/understanding.json';

describe('understanding tables', () => {
  it.each(LOCALES)('%s has the same intent keys as English, none empty', (locale) => {
    const table = UNDERSTANDING_TABLES[locale];
    expect(Object.keys(table.intents).sort()).toEqual(Object.keys(UNDERSTANDING_TABLES.en.intents).sort());
    expect(Object.keys(table.intents).sort()).toEqual([...INTENTS].sort());
    const empty = INTENTS.filter((intent) => {
      const { exact, start, anywhere } = table.intents[intent];
      return exact.length + start.length + anywhere.length === 0;
    });
    expect(empty).toEqual([]);
  });

  it.each(LOCALES)('%s names all six languages and has submitting phrases', (locale) => {
    const table = UNDERSTANDING_TABLES[locale];
    expect(Object.keys(table.languages.names).sort()).toEqual([...LOCALES].sort());
    for (const other of LOCALES) expect(table.languages.names[other].length).toBeGreaterThan(0);
    expect(table.submitting.length).toBeGreaterThan(0);
  });

  it.each(LOCALES)('%s gives no exact phrase to two intents', (locale: LocaleId) => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const intent of INTENTS) {
      for (const phrase of UNDERSTANDING_TABLES[locale].intents[intent].exact) {
        const formed = matchForm(phrase) || phrase;
        const previous = owner.get(formed);
        if (previous !== undefined && previous !== intent) clashes.push(`${phrase}: ${previous}/${intent}`);
        owner.set(formed, intent);
      }
    }
    expect(clashes).toEqual([]);
  });

  it('fails loudly, naming the file and the path, on a broken table', () => {
    const broken = structuredClone(en) as { intents: Record<string, unknown> };
    delete broken.intents.watch;
    expect(() => parseUnderstandingTable(broken, 'locales/xx/understanding.json')).toThrow(
      /locales\/xx\/understanding\.json[\s\S]*intents\.watch/,
    );
  });

  it('refuses an intent without phrases and an empty phrase', () => {
    const noPhrases = structuredClone(en) as { intents: Record<string, unknown> };
    noPhrases.intents.thanks = { exact: [], start: [], anywhere: [] };
    expect(() => parseUnderstandingTable(noPhrases, 'test.json')).toThrow(/intents\.thanks/);
    const emptyPhrase = structuredClone(en) as { submitting: string[] };
    emptyPhrase.submitting = ['pay', '  '];
    expect(() => parseUnderstandingTable(emptyPhrase, 'test.json')).toThrow(/submitting\[1\]/);
  });

  it('refuses unknown keys, so a misspelt intent is not silently ignored', () => {
    const typo = structuredClone(en) as { intents: Record<string, unknown> };
    typo.intents.thanx = { exact: ['thx'] };
    expect(() => parseUnderstandingTable(typo, 'test.json')).toThrow(/thanx/);
  });
});
