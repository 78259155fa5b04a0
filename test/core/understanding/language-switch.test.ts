import type { LocaleId } from '../../../src/contracts';
import { understand } from '../../../src/core/understanding';

/** Requests to switch, as typed in each interface language. */
const SWITCHES: Array<[LocaleId, string, LocaleId]> = [
  ['en', 'english', 'en'],
  ['en', 'switch to german', 'de'],
  ['en', 'Can you speak Spanish?', 'es'],
  ['en', 'in French please', 'fr'],
  ['en', 'Japanese', 'ja'],
  ['en', 'portuguese pls', 'pt-BR'],
  ['es', 'español', 'es'],
  ['es', 'espanol por favor', 'es'],
  ['es', 'cambia a inglés', 'en'],
  ['es', '¿hablas alemán?', 'de'],
  ['fr', 'en français', 'fr'],
  ['fr', 'en anglais svp', 'en'],
  ['fr', 'tu peux parler allemand ?', 'de'],
  ['de', 'auf Deutsch', 'de'],
  ['de', 'auf Englisch bitte', 'en'],
  ['de', 'sprich Französisch', 'fr'],
  ['pt-BR', 'português', 'pt-BR'],
  ['pt-BR', 'muda pra inglês', 'en'],
  ['pt-BR', 'fala espanhol?', 'es'],
  ['ja', '日本語', 'ja'],
  ['ja', '英語でお願いします', 'en'],
  ['ja', 'ドイツ語に切り替えて', 'de'],
  ['en', '日本語で', 'ja'],
  ['ja', 'english please', 'en'],
  ['de', 'Deutsch', 'de'],
];

describe('language switching', () => {
  it.each(SWITCHES)('locale %s: %j -> %s', (locale, message, language) => {
    const event = understand(message, { locale });
    expect(event.language).toBe(language);
    expect(event.intents).toEqual([]);
  });

  it.each([
    ['en', 'I use Firefox in English on Windows'],
    ['en', 'the site is in Spanish but shows 502'],
    ['ja', '日本語のWindowsで502が出ます'],
    ['de', 'Die Seite ist auf Deutsch und zeigt Fehler 502'],
    ['en', 'english or spanish?'],
  ] as Array<[LocaleId, string]>)('locale %s: %j mentions a language without asking for it', (locale, message) => {
    expect(understand(message, { locale }).language).toBeUndefined();
  });
});
