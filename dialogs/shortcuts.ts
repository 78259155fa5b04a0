/**
 * Real keyboard shortcuts per browser and operating system, as data (docs/architecture.md, Conventions). A shortcut is a
 * list of key ids; channels translate modifier ids through `key.<id>` (see `Reply.keys`).
 */
import type { BrowserId, OsId } from './types';

/** The browser actions the visitor steps use. */
export type ShortcutAction = 'reload' | 'hardRefresh' | 'privateWindow' | 'clearData';

/** Modifier and named-key ids with a `key.<id>` translation; letters and F-keys are used literally. */
export const KEY_IDS = ['ctrl', 'shift', 'alt', 'cmd', 'option', 'delete', 'backspace'] as const;

export type Shortcut = readonly string[];

export interface ShortcutRule {
  /** Browsers the rule covers; omitted means every browser not matched by an earlier rule. */
  browsers?: readonly BrowserId[];
  os: readonly OsId[];
  action: ShortcutAction;
  /** The main shortcut first, then alternatives. */
  keys: readonly Shortcut[];
}

const PC: readonly OsId[] = ['windows', 'linux'];
const MAC: readonly OsId[] = ['macos'];
const CHROMEOS: readonly OsId[] = ['chromeos'];
/** Browsers whose private window is "Ctrl+Shift+P" rather than "Ctrl+Shift+N". */
const PRIVATE_P: readonly BrowserId[] = ['firefox'];

/** First match wins, so browser-specific rules come before the catch-all ones. */
export const SHORTCUTS: readonly ShortcutRule[] = [
  // Windows and Linux: Chrome, Edge, Firefox, Brave, Opera behave alike apart from Firefox's private window.
  { os: PC, action: 'reload', keys: [['F5'], ['ctrl', 'R']] },
  {
    os: PC,
    action: 'hardRefresh',
    keys: [
      ['ctrl', 'F5'],
      ['ctrl', 'shift', 'R'],
    ],
  },
  { browsers: PRIVATE_P, os: PC, action: 'privateWindow', keys: [['ctrl', 'shift', 'P']] },
  { os: PC, action: 'privateWindow', keys: [['ctrl', 'shift', 'N']] },
  { os: PC, action: 'clearData', keys: [['ctrl', 'shift', 'delete']] },
  // ChromeOS keyboards have no F5 or Delete key.
  { os: CHROMEOS, action: 'reload', keys: [['ctrl', 'R']] },
  { os: CHROMEOS, action: 'hardRefresh', keys: [['ctrl', 'shift', 'R']] },
  { os: CHROMEOS, action: 'privateWindow', keys: [['ctrl', 'shift', 'N']] },
  { os: CHROMEOS, action: 'clearData', keys: [['ctrl', 'shift', 'backspace']] },
  // macOS: Safari has its own hard refresh and cache shortcuts.
  { browsers: ['safari'], os: MAC, action: 'reload', keys: [['cmd', 'R']] },
  { browsers: ['safari'], os: MAC, action: 'hardRefresh', keys: [['cmd', 'option', 'R']] },
  { browsers: ['safari'], os: MAC, action: 'privateWindow', keys: [['cmd', 'shift', 'N']] },
  { browsers: ['safari'], os: MAC, action: 'clearData', keys: [['cmd', 'option', 'E']] },
  { os: MAC, action: 'reload', keys: [['cmd', 'R']] },
  { os: MAC, action: 'hardRefresh', keys: [['cmd', 'shift', 'R']] },
  { browsers: PRIVATE_P, os: MAC, action: 'privateWindow', keys: [['cmd', 'shift', 'P']] },
  { os: MAC, action: 'privateWindow', keys: [['cmd', 'shift', 'N']] },
  { os: MAC, action: 'clearData', keys: [['cmd', 'shift', 'delete']] },
];

/** Phones and tablets: no keyboard, so steps describe the menu instead. */
export const TOUCH_OS: readonly OsId[] = ['android', 'ios'];

export function isTouch(os: OsId | undefined): boolean {
  return os !== undefined && TOUCH_OS.includes(os);
}

/** The browser a visitor on an unknown browser most likely uses on that system. */
const DEFAULT_BROWSER: Readonly<Record<OsId, BrowserId>> = {
  windows: 'edge',
  macos: 'safari',
  linux: 'firefox',
  chromeos: 'chrome',
  android: 'chrome',
  ios: 'safari',
};

/** Shortcuts for one action, or undefined when the device has no keyboard or the OS is unknown. */
export function shortcutsFor(
  action: ShortcutAction,
  browser: BrowserId | undefined,
  os: OsId | undefined,
): readonly Shortcut[] | undefined {
  if (os === undefined || isTouch(os)) return undefined;
  const b = browser ?? DEFAULT_BROWSER[os];
  const rule = SHORTCUTS.find((r) => r.action === action && r.os.includes(os) && (!r.browsers || r.browsers.includes(b)));
  return rule?.keys;
}

/** Shortcuts for an unknown device: one for Windows/Linux and one for Mac, so the reply can name both. */
export function genericShortcuts(action: ShortcutAction): { pc: Shortcut; mac: Shortcut } | undefined {
  const pc = shortcutsFor(action, 'chrome', 'windows')?.[0];
  const mac = shortcutsFor(action, 'chrome', 'macos')?.[0];
  return pc && mac ? { pc, mac } : undefined;
}
