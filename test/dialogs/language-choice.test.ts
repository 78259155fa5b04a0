/**
 * Which language the bot answers in: the words a person types win over page and browser hints, and a
 * language they asked for by name wins over the words (someone who said "English please" may still paste or
 * quote German).
 */
import { createConversation } from './create-conversation';

describe('the language of the answers', () => {
  it('follows the language a person plainly types in', async () => {
    const convo = createConversation({ input: { locale: 'en' } });
    await convo.say('hallo, die Seite zeigt einen Fehler', { writtenIn: 'de' });
    expect(convo.context()).toMatchObject({ locale: 'de', localeChosen: true });
    expect(convo.context().localeAsked).toBeUndefined();
    await convo.say('hola, la página falla', { writtenIn: 'es' });
    expect(convo.context().locale).toBe('es');
  });

  it('keeps a language asked for by name, whatever the next messages are written in', async () => {
    const convo = createConversation({ input: { locale: 'de' } });
    await convo.say('English please', { language: 'en' });
    expect(convo.context()).toMatchObject({ locale: 'en', localeChosen: true, localeAsked: true });
    await convo.say('die Seite zeigt immer noch einen Fehler', { writtenIn: 'de' });
    expect(convo.context().locale).toBe('en');
    // Only another request by name changes it again, and a restart keeps it.
    await convo.say('auf Deutsch bitte', { language: 'de' });
    expect(convo.context().locale).toBe('de');
    await convo.answer('restart');
    expect(convo.context()).toMatchObject({ locale: 'de', localeAsked: true });
  });
});
