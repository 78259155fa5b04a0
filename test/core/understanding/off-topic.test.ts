/**
 * Messages that mean none of the bot's intents must stay unread: "didn't catch that" asks again, while a
 * wrong guess ("my cat is asleep on the keyboard" read as "it's my site") moves the conversation somewhere
 * the person did not ask for. This is why NLP.js is not the reader (README, "Understanding"): on these
 * messages it guessed an intent for 33 of 48 held aside, the phrase tables for 3.
 */
import { LOCALES } from '../../../src/contracts';
import { understand } from '../../../src/core/understanding';
import { loadOffTopic } from '../../helpers/understanding-corpus';

/** At most one wrong guess in eight per language ("how do I bake bread" starts like a request for help). */
const MAX_GUESSED_SHARE = 1 / 8;

describe('off-topic messages', () => {
  it.each(LOCALES)('%s: the phrase tables find no intent in nearly all of them', (locale) => {
    const texts = [...loadOffTopic(locale, 'training'), ...loadOffTopic(locale, 'heldAside')];
    const guessed = texts.filter((text) => understand(text, { locale }).intents.length > 0);
    expect(guessed.length / texts.length).toBeLessThanOrEqual(MAX_GUESSED_SHARE);
  });
});
