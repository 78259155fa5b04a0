import type { LocaleId } from '../../../src/contracts';
import type { BrowserId, OsId } from '../../../dialogs/types';
import { detectClient, understand } from '../../../src/core/understanding';

describe('browser and system named in a message', () => {
  it.each([
    ['en', 'on my iPhone', undefined, 'ios'],
    ['en', 'in Chrome', 'chrome', undefined],
    ['en', 'Firefox on Ubuntu', 'firefox', 'linux'],
    ['en', 'I have a Mac', undefined, 'macos'],
    ['en', 'Windows 11, Edge', 'edge', 'windows'],
    ['en', 'my Android phone', undefined, 'android'],
    ['en', 'on a Chromebook', undefined, 'chromeos'],
    ['en', 'Samsung Internet on my Galaxy', 'samsung', 'android'],
    ['en', 'Safari on my iPad', 'safari', 'ios'],
    ['en', 'Opera GX on my PC', 'opera', 'windows'],
    ['en', 'I use Brave', 'brave', undefined],
    ['es', 'uso Chrome en mi móvil Android', 'chrome', 'android'],
    ['es', 'desde el iPhone con Safari', 'safari', 'ios'],
    ['es', 'en Firefox con Windows 10', 'firefox', 'windows'],
    ['fr', 'sur mon Mac avec Safari', 'safari', 'macos'],
    ['fr', 'avec Edge sous Windows', 'edge', 'windows'],
    ['fr', 'Firefox sous Linux', 'firefox', 'linux'],
    ['de', 'mit Firefox unter Ubuntu', 'firefox', 'linux'],
    ['de', 'auf meinem iPhone', undefined, 'ios'],
    ['de', 'Chrome auf dem Android-Handy', 'chrome', 'android'],
    ['pt-BR', 'no Chrome do meu celular Android', 'chrome', 'android'],
    ['pt-BR', 'uso o Safari no iPhone', 'safari', 'ios'],
    ['pt-BR', 'no Edge com Windows 11', 'edge', 'windows'],
    ['ja', 'iPhoneのSafariで見ています', 'safari', 'ios'],
    ['ja', 'クロームを使っています', 'chrome', undefined],
    ['ja', 'マックのファイアフォックスです', 'firefox', 'macos'],
    ['ja', 'アンドロイドのスマホ', undefined, 'android'],
    ['ja', 'ウィンドウズのエッジ', 'edge', 'windows'],
  ] as Array<[LocaleId, string, BrowserId | undefined, OsId | undefined]>)('locale %s: %j -> %s / %s', (locale, message, browser, os) => {
    const event = understand(message, { locale });
    expect(event.browser).toBe(browser);
    expect(event.os).toBe(os);
  });

  it('takes "Chrome OS" as a system, not a browser', () => {
    const event = understand('it happens on Chrome OS', { locale: 'en' });
    expect(event.os).toBe('chromeos');
    expect(event.browser).toBeUndefined();
  });

  it('does not take browser windows for Windows', () => {
    expect(understand('I closed all browser windows', { locale: 'en' }).os).toBeUndefined();
  });
});

/** Real user-agent strings as browsers send them. */
const USER_AGENTS: Array<[string, string, BrowserId | undefined, OsId | undefined]> = [
  [
    'Chrome on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'chrome',
    'windows',
  ],
  [
    'Edge on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51',
    'edge',
    'windows',
  ],
  ['Firefox on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0', 'firefox', 'windows'],
  [
    'Opera on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 OPR/109.0.0.0',
    'opera',
    'windows',
  ],
  [
    'Safari on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
    'safari',
    'macos',
  ],
  [
    'Chrome on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'chrome',
    'macos',
  ],
  ['Firefox on macOS', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0', 'firefox', 'macos'],
  [
    'Edge on macOS',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
    'edge',
    'macos',
  ],
  ['Firefox on Linux', 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'firefox', 'linux'],
  ['Firefox on Ubuntu', 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0', 'firefox', 'linux'],
  [
    'Chrome on Linux',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'chrome',
    'linux',
  ],
  [
    'Chrome on Android',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
    'chrome',
    'android',
  ],
  [
    'Samsung Internet on Android',
    'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
    'samsung',
    'android',
  ],
  ['Firefox on Android', 'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0', 'firefox', 'android'],
  [
    'Edge on Android',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.2478.50',
    'edge',
    'android',
  ],
  [
    'Opera on Android',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36 OPR/81.0.4292.78223',
    'opera',
    'android',
  ],
  [
    'Safari on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
    'safari',
    'ios',
  ],
  [
    'Chrome on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
    'chrome',
    'ios',
  ],
  [
    'Firefox on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15',
    'firefox',
    'ios',
  ],
  [
    'Edge on iPhone',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/124.2478.50 Mobile/15E148 Safari/605.1.15',
    'edge',
    'ios',
  ],
  [
    'Safari on iPad',
    'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
    'safari',
    'ios',
  ],
  [
    'Chrome on ChromeOS',
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'chrome',
    'chromeos',
  ],
  [
    'an app web view on Android',
    'Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36',
    undefined,
    'android',
  ],
];

describe('detectClient', () => {
  it.each(USER_AGENTS)('%s', (_name, userAgent, browser, os) => {
    const guess = detectClient(userAgent);
    expect(guess.browser).toBe(browser);
    expect(guess.os).toBe(os);
  });

  it("cannot tell Brave from Chrome, because Brave sends Chrome's user agent", () => {
    const brave = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
    expect(detectClient(brave).browser).toBe('chrome');
  });

  it('returns nothing for an empty or unknown agent', () => {
    expect(detectClient('')).toEqual({});
    expect(detectClient('curl/8.5.0')).toEqual({});
  });
});
