/**
 * Browsers and systems: the brand names people type (the same in every language) and the user-agent
 * rules web chat uses. Local spellings ("クローム") are in each understanding.json.
 */
import type { BrowserId, OsId } from '../../../dialogs/types';

/** A phrase naming a browser, a system or both; one naming neither only shields a look-alike. */
export interface ClientPhrase {
  phrase: string;
  browser?: BrowserId;
  os?: OsId;
}

export const CLIENT_PHRASES: readonly ClientPhrase[] = [
  { phrase: 'chrome', browser: 'chrome' },
  { phrase: 'google chrome', browser: 'chrome' },
  // Chromium shares Chrome's menus and shortcuts, which is all the steps need.
  { phrase: 'chromium', browser: 'chrome' },
  { phrase: 'edge', browser: 'edge' },
  { phrase: 'microsoft edge', browser: 'edge' },
  { phrase: 'ms edge', browser: 'edge' },
  { phrase: 'firefox', browser: 'firefox' },
  { phrase: 'mozilla', browser: 'firefox' },
  { phrase: 'mozilla firefox', browser: 'firefox' },
  { phrase: 'safari', browser: 'safari' },
  { phrase: 'opera', browser: 'opera' },
  { phrase: 'opera gx', browser: 'opera' },
  { phrase: 'opera mini', browser: 'opera' },
  { phrase: 'brave', browser: 'brave' },
  { phrase: 'brave browser', browser: 'brave' },
  { phrase: 'samsung internet', browser: 'samsung', os: 'android' },
  { phrase: 'samsung browser', browser: 'samsung', os: 'android' },
  { phrase: 'windows', os: 'windows' },
  { phrase: 'win10', os: 'windows' },
  { phrase: 'win11', os: 'windows' },
  { phrase: 'win 10', os: 'windows' },
  { phrase: 'win 11', os: 'windows' },
  { phrase: 'win7', os: 'windows' },
  // Most people who say "my PC" mean a Windows computer; a Linux user names Linux.
  { phrase: 'pc', os: 'windows' },
  { phrase: 'mac', os: 'macos' },
  { phrase: 'macos', os: 'macos' },
  { phrase: 'mac os', os: 'macos' },
  { phrase: 'os x', os: 'macos' },
  { phrase: 'osx', os: 'macos' },
  { phrase: 'macbook', os: 'macos' },
  { phrase: 'macbook pro', os: 'macos' },
  { phrase: 'macbook air', os: 'macos' },
  { phrase: 'imac', os: 'macos' },
  { phrase: 'mac mini', os: 'macos' },
  { phrase: 'linux', os: 'linux' },
  { phrase: 'ubuntu', os: 'linux' },
  { phrase: 'kubuntu', os: 'linux' },
  { phrase: 'debian', os: 'linux' },
  { phrase: 'fedora', os: 'linux' },
  { phrase: 'linux mint', os: 'linux' },
  { phrase: 'arch linux', os: 'linux' },
  { phrase: 'manjaro', os: 'linux' },
  { phrase: 'opensuse', os: 'linux' },
  { phrase: 'pop os', os: 'linux' },
  { phrase: 'chromebook', os: 'chromeos' },
  { phrase: 'chromeos', os: 'chromeos' },
  { phrase: 'chrome os', os: 'chromeos' },
  { phrase: 'android', os: 'android' },
  { phrase: 'samsung', os: 'android' },
  { phrase: 'galaxy', os: 'android' },
  { phrase: 'pixel', os: 'android' },
  { phrase: 'xiaomi', os: 'android' },
  { phrase: 'huawei', os: 'android' },
  { phrase: 'oneplus', os: 'android' },
  { phrase: 'motorola', os: 'android' },
  { phrase: 'iphone', os: 'ios' },
  { phrase: 'ipad', os: 'ios' },
  { phrase: 'ipados', os: 'ios' },
  { phrase: 'ios', os: 'ios' },
  { phrase: 'ipod', os: 'ios' },
  // Look-alikes that name nothing: "close all browser windows", "on the edge of".
  { phrase: 'browser windows' },
  { phrase: 'all windows' },
  { phrase: 'all the windows' },
  { phrase: 'other windows' },
  { phrase: 'edge of' },
  { phrase: 'windows update', os: 'windows' },
];

/** One user-agent rule: the first rule of a list whose pattern matches decides. */
export interface UserAgentRule<T> {
  pattern: RegExp;
  /** `null`: the agent is recognised but names no browser we can help with (an app's web view). */
  value: T | null;
}

/**
 * Browser rules, most specific first: Edge, Opera and Samsung Internet also claim to be Chrome, and
 * every iOS browser also claims to be Safari. Brave sends Chrome's user agent unchanged, so it is
 * only recognised on the rare builds that add "Brave"; otherwise it counts as Chrome.
 */
export const BROWSER_RULES: ReadonlyArray<UserAgentRule<BrowserId>> = [
  { pattern: /; wv\)/, value: null },
  { pattern: /\b(?:FBAN|FBAV|Instagram|Line)\//, value: null },
  { pattern: /\bSamsungBrowser\//, value: 'samsung' },
  { pattern: /\b(?:Edg|EdgA|EdgiOS|Edge)\//, value: 'edge' },
  { pattern: /\b(?:OPR|OPiOS|OPT|OPX|Opera)\/|Opera Mini/, value: 'opera' },
  { pattern: /\bBrave\b/, value: 'brave' },
  { pattern: /\b(?:Firefox|FxiOS)\//, value: 'firefox' },
  { pattern: /\b(?:CriOS|Chrome|Chromium)\//, value: 'chrome' },
  // "Version/17.4 Mobile/15E148 Safari/604.1"; the gap stops at another "Version/", so each character is read once.
  { pattern: /\bVersion\/[\d.]+(?:[^\d.](?:(?!Version\/).)*)?\bSafari\//, value: 'safari' },
];

/**
 * System rules, most specific first: Android and ChromeOS agents also say "Linux", iOS agents say
 * "like Mac OS X". An iPad in desktop mode sends a Mac agent and cannot be told apart.
 */
export const OS_RULES: ReadonlyArray<UserAgentRule<OsId>> = [
  { pattern: /\bCrOS\b/, value: 'chromeos' },
  { pattern: /\bAndroid\b/, value: 'android' },
  { pattern: /\b(?:iPhone|iPad|iPod)\b|\biOS\b/, value: 'ios' },
  { pattern: /\bWindows\b/, value: 'windows' },
  { pattern: /\bMacintosh\b|\bMac OS X\b/, value: 'macos' },
  { pattern: /\bLinux\b|\bX11\b/, value: 'linux' },
];
