import type { LocaleId } from '../../../src/contracts';
import { INTENTS } from '../../../dialogs/types';
import { MAX_KEPT_CHARS, normaliseText, understand } from '../../../src/core/understanding';

const LOCALE = { locale: 'en' as LocaleId };

describe('robustness', () => {
  it.each([
    ['empty', ''],
    ['whitespace', ' \n\t \r\n  '],
    ['NULs', '\u0000\u0000yes\u0000'],
    ['bidi overrides', '\u202Eyes\u202C'],
    ['isolates and marks', '\u2066no\u2069\u200E'],
    ['emoji only', '😡😡😡'],
    ['Arabic', 'الموقع لا يعمل، خطأ 502'],
    ['Hebrew', 'האתר לא עובד 502'],
    ['mixed scripts', 'Привет 你好 hello مرحبا'],
    ['lone surrogates', '\uD800abc\uDFFF'],
    ['combining marks', 'y\u0301e\u0301s\u0301'],
    ['only punctuation', '!!!...???'],
  ])('never throws on %s', (_name, message) => {
    const event = understand(message, LOCALE);
    expect(event.type).toBe('user.message');
    expect(Array.isArray(event.intents)).toBe(true);
    for (const intent of event.intents) expect(INTENTS).toContain(intent);
  });

  it('returns an empty event for empty and whitespace-only text', () => {
    expect(understand('', LOCALE)).toEqual({ type: 'user.message', text: '', intents: [] });
    expect(understand('   \n  ', LOCALE)).toEqual({ type: 'user.message', text: '', intents: [] });
  });

  it('strips NULs, controls and bidi characters before matching', () => {
    expect(understand('\u0000ye\u202Es\u202C', LOCALE)).toMatchObject({ text: 'yes', intents: ['yes'] });
    expect(understand('\u2067example.com\u2069', LOCALE).url).toBe('https://example.com/');
  });

  it('reads RTL text without inventing intents and still finds the 502', () => {
    const event = understand('الموقع لا يعمل، خطأ 502', LOCALE);
    expect(event.intents).toEqual([]);
    expect(event.variant).toBe('bad-gateway');
  });

  it('caps the kept text and survives a megabyte', () => {
    const huge = 'a'.repeat(1024 * 1024);
    const event = understand(huge, LOCALE);
    expect(event.text.length).toBe(MAX_KEPT_CHARS);
  });

  it('caps a megabyte of emoji without cutting a surrogate pair in half', () => {
    const event = understand('😀'.repeat(600_000), LOCALE);
    expect(event.text.length).toBeLessThanOrEqual(MAX_KEPT_CHARS);
    expect(event.text).toMatch(/^(?:😀)+$/u);
  });

  it('survives a megabyte of pasted log lines and NULs', () => {
    const line =
      '2024/05/01 12:00:00 [error] 1#0: *1 upstream prematurely closed connection while reading response header from upstream, client: 198.51.100.1, server: example.com\u0000\n';
    const event = understand(line.repeat(Math.ceil((1024 * 1024) / line.length)), LOCALE);
    expect(event.text.length).toBeLessThanOrEqual(MAX_KEPT_CHARS);
    expect(event.text).not.toContain('\u0000');
    expect(event.url).toBeUndefined();
  });

  it('does not throw when called with something that is not a string', () => {
    const notText = 42 as unknown as string;
    expect(understand(notText, LOCALE)).toEqual({ type: 'user.message', text: '', intents: [] });
    expect(understand('yes', { locale: 'xx' as LocaleId }).intents).toEqual(['yes']);
  });

  it('normalises width and whitespace', () => {
    expect(normaliseText('ｙｅｓ   please\r\n\r\nok')).toBe('yes please\n\nok');
  });
});
