import type { LocaleId } from '../../../src/contracts';
import { understand } from '../../../src/core/understanding';

const writtenIn = (text: string, locale: LocaleId = 'en') => understand(text, { locale }).writtenIn;

describe('the language a message is written in', () => {
  it.each([
    ['en', 'no, still not working, what should I do'],
    ['es', 'no, sigue sin funcionar y ya borré la caché'],
    ['fr', 'non, ça ne marche toujours pas'],
    ['de', 'nein, geht immer noch nicht'],
    ['pt-BR', 'não, ainda não funciona'],
    ['ja', 'まだ直りません'],
    ['de', 'Hallo, die Seite zeigt seit heute einen Fehler'],
    ['es', 'hola, la tienda no carga desde ayer, me sale un error'],
  ] as Array<[LocaleId, string]>)('is %s for %j', (locale, text) => {
    expect(writtenIn(text, locale === 'en' ? 'de' : 'en')).toBe(locale);
  });

  it.each(['no', 'ok', 'merci', 'Firefox on Windows', 'shop.example.com', '502', 'thanks!', 'sí', 'https://example.com/ja/die'])(
    'is not decided by %j',
    (text) => {
      expect(writtenIn(text)).toBeUndefined();
    },
  );

  it('asks the table of the language the words are in first', () => {
    // "ja" is a German yes; a Portuguese "já" (the same after accents are folded) in a Portuguese sentence is not.
    expect(understand('já tentei isso, não funcionou', { locale: 'de' }).intents).not.toContain('yes');
  });

  it('leaves a request to switch to language-switch, not to the guess', () => {
    expect(understand('auf Deutsch bitte', { locale: 'en' })).toMatchObject({ language: 'de' });
    expect(understand('auf Deutsch bitte', { locale: 'en' }).writtenIn).toBeUndefined();
  });
});
