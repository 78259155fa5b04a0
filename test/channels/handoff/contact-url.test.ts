/**
 * HANDOFF_CONTACT_URL: with no hand-off target, the person who asks for a person gets the help desk's
 * address (https or mailto only, checked at start-up) and the ready-to-send message, not a dead end.
 */
import { ConfigError, loadConfig } from '../../../src/config';
import { createI18n, translatorFor } from '../../../src/core/i18n';
import { createActivity, createTestApp, sendActivity } from '../../helpers/create-test-app';

const t = translatorFor(createI18n(), 'en');

describe('HANDOFF_CONTACT_URL', () => {
  it.each(['https://help.example/contact', 'mailto:help@example.com'])('accepts %s', (url) => {
    expect(loadConfig({ HANDOFF_CONTACT_URL: url }).handoff.contactUrl).toBe(url);
  });

  it.each([
    ['plain http', 'http://help.example/'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,hi'],
    ['credentials', 'https://user:pass@help.example/'],
    ['not a URL', 'not a url'],
    ['over 2000 characters', `https://help.example/${'x'.repeat(2100)}`],
  ])('refuses %s at start-up', (_label, url) => {
    expect(() => loadConfig({ HANDOFF_CONTACT_URL: url })).toThrow(ConfigError);
  });

  it('is empty by default', () => {
    expect(loadConfig({}).handoff.contactUrl).toBeUndefined();
  });

  it('is offered to a person asking for a person when no target is configured', async () => {
    const app = await createTestApp({ HANDOFF_CONTACT_URL: 'https://help.example/contact' });
    try {
      const replies = await sendActivity(app.url, createActivity({ conversation: { id: 'contact-1' }, text: 'talk to a person' }));
      const last = replies.at(-1);
      expect(last?.channelData?.gatewayDoctor?.state).toBe('handoffUnavailable');
      // The reply says the key's sentence with the address in it (the card escapes markdown, so compare its start).
      const sentence = t('handoffDesk.contact.noSite', { url: 'https://help.example/contact' });
      expect(JSON.stringify(last)).toContain(sentence.slice(0, 40));
      expect(JSON.stringify(last)).toContain('help.example/contact');
    } finally {
      await app.close();
    }
  });

  it('without it, the honest message stays', async () => {
    const app = await createTestApp({});
    try {
      const replies = await sendActivity(app.url, createActivity({ conversation: { id: 'contact-2' }, text: 'talk to a person' }));
      expect(replies.at(-1)?.channelData?.gatewayDoctor?.state).toBe('handoffUnavailable');
      expect(JSON.stringify(replies)).not.toContain('help.example');
    } finally {
      await app.close();
    }
  });
});
