/**
 * The visitor's troubleshooting steps as data (docs/architecture.md, Conventions): order, when a step applies, whether the
 * site is re-checked after it, and how its reply is tailored to the person's browser and device.
 */
import type { SupportContext } from './context';
import { isIpAddressHost } from './context';
import { contactIspDraft, contactSiteDraft } from './drafts';
import { genericShortcuts, isTouch, shortcutsFor, type ShortcutAction } from './shortcuts';
import type { KeyedLine, PrefixesOf } from './translation-keys';
import type { BrowserId, OsId } from './types';
import type { UserStepId } from './user-step-ids';

export { isUserStepId, USER_STEP_IDS, userStepState, type UserStepId, type UserStepState } from './user-step-ids';

export interface UserStep {
  id: UserStepId;
  /** Evidence that makes the step pointless; omitted means it always applies. */
  applies?: (ctx: SupportContext) => boolean;
  /** Probe the site again once the person says this did not help (it may have gone down meanwhile). */
  recheckAfter?: boolean;
  reply: (ctx: SupportContext) => KeyedLine;
}

/** Browser brand names, the same in every language. */
export const BROWSER_NAMES: Readonly<Record<BrowserId, string>> = {
  chrome: 'Google Chrome',
  edge: 'Microsoft Edge',
  firefox: 'Mozilla Firefox',
  safari: 'Safari',
  opera: 'Opera',
  brave: 'Brave',
  samsung: 'Samsung Internet',
};

/** Browsers worth suggesting on each system, best first; the person's own browser is skipped. */
const SUGGESTED_BROWSERS: Readonly<Record<OsId, readonly BrowserId[]>> = {
  windows: ['edge', 'firefox', 'chrome'],
  macos: ['safari', 'firefox', 'chrome'],
  linux: ['firefox', 'chrome'],
  chromeos: ['chrome', 'firefox'],
  android: ['chrome', 'firefox', 'samsung'],
  ios: ['safari', 'chrome', 'firefox'],
};

/** Another browser than the person's own, suited to their system. */
export function suggestBrowser(browser: BrowserId | undefined, os: OsId | undefined): BrowserId | undefined {
  const list = os ? SUGGESTED_BROWSERS[os] : (['firefox', 'chrome', 'edge'] as const);
  return list.find((b) => b !== browser);
}

/** Key prefixes with a reply per shortcut kind: `.keys`, `.keysAlt` (two shortcuts) and `.generic` (PC and Mac). */
type ShortcutPrefix = PrefixesOf<'keys'> & PrefixesOf<'keysAlt'> & PrefixesOf<'generic'>;

/** A reply that names a keyboard shortcut when there is a keyboard, or a menu path when there is not. */
function keyed(prefix: ShortcutPrefix & PrefixesOf<'touch'>, action: ShortcutAction, ctx: SupportContext): KeyedLine {
  return isTouch(ctx.os) ? { key: `${prefix}.touch` } : withShortcut(prefix, action, ctx);
}

/** A reply that names the person's own shortcut, or the usual PC and Mac ones when their browser is unknown. */
function withShortcut(prefix: ShortcutPrefix, action: ShortcutAction, ctx: SupportContext): KeyedLine {
  const own = shortcutsFor(action, ctx.browser, ctx.os);
  if (own?.[0]) {
    const keys: Record<string, string[]> = { shortcut: [...own[0]] };
    if (own[1]) keys.altShortcut = [...own[1]];
    return { key: own[1] ? `${prefix}.keysAlt` : `${prefix}.keys`, keys };
  }
  const generic = genericShortcuts(action);
  if (!generic) return { key: `${prefix}.generic` };
  return { key: `${prefix}.generic`, keys: { pcShortcut: [...generic.pc], macShortcut: [...generic.mac] } };
}

/** Reply variant by device kind: `.touch` on phones and tablets, `.desktop` otherwise. */
function byDevice(prefix: PrefixesOf<'touch'> & PrefixesOf<'desktop'>, ctx: SupportContext): KeyedLine {
  return { key: isTouch(ctx.os) ? `${prefix}.touch` : `${prefix}.desktop` };
}

/**
 * A touch reply per system where the menus differ (iOS keeps browser data in the Settings app). Those two
 * are the only touch systems (`isTouch`), so every other system has a keyboard.
 */
function byTouchOs(
  prefix: ShortcutPrefix & PrefixesOf<'ios'> & PrefixesOf<'android'>,
  action: ShortcutAction,
  ctx: SupportContext,
): KeyedLine {
  if (ctx.os === 'ios') return { key: `${prefix}.ios` };
  if (ctx.os === 'android') return { key: `${prefix}.android` };
  return withShortcut(prefix, action, ctx);
}

const notTouch = (ctx: SupportContext): boolean => !isTouch(ctx.os);

/** The visitor steps, in the order they are offered. */
export const USER_STEPS: readonly UserStep[] = [
  {
    id: 'reload',
    // Reloading a page that was a form submission sends the form again, so they open the address instead.
    reply: (ctx) => (ctx.submitting ? { key: 'step.reload.fresh' } : keyed('step.reload', 'reload', ctx)),
  },
  {
    id: 'hardRefresh',
    // Phones have no hard refresh, and after a form submission it would resend the form.
    applies: (ctx) => notTouch(ctx) && !ctx.submitting,
    reply: (ctx) => keyed('step.hardRefresh', 'hardRefresh', ctx),
  },
  {
    id: 'restartBrowser',
    reply: (ctx) => byDevice('step.restartBrowser', ctx),
  },
  {
    id: 'clearCache',
    reply: (ctx) => byTouchOs('step.clearCache', 'clearData', ctx),
  },
  {
    id: 'clearCookies',
    recheckAfter: true,
    reply: (ctx) => {
      const r = byTouchOs('step.clearCookies', 'clearData', ctx);
      return { ...r, vars: { ...r.vars, host: ctx.host ?? '' } };
    },
  },
  {
    id: 'privateWindow',
    // Safari on iOS runs almost no extensions, so a safe-mode step tells the person nothing there.
    applies: (ctx) => ctx.os !== 'ios',
    reply: (ctx) => keyed('step.privateWindow', 'privateWindow', ctx),
  },
  {
    id: 'otherBrowser',
    reply: (ctx): KeyedLine => {
      const other = suggestBrowser(ctx.browser, ctx.os);
      if (!other) return { key: 'step.otherBrowser.generic' };
      return ctx.browser
        ? { key: 'step.otherBrowser.named', vars: { current: BROWSER_NAMES[ctx.browser], other: BROWSER_NAMES[other] } }
        : { key: 'step.otherBrowser.suggest', vars: { other: BROWSER_NAMES[other] } };
    },
  },
  {
    id: 'restartComputer',
    reply: (ctx) => ({ key: isTouch(ctx.os) ? 'step.restartComputer.device' : 'step.restartComputer.computer' }),
  },
  {
    id: 'restartNetwork',
    recheckAfter: true,
    reply: (ctx) => byDevice('step.restartNetwork', ctx),
  },
  {
    id: 'changeDns',
    // When the site's own name does not resolve anywhere, another resolver cannot find it either; and a site
    // reached by its IP address is not looked up at all.
    applies: (ctx) => ctx.probe?.verdict !== 'dns_error' && !isIpAddressHost(ctx.host),
    reply: (ctx) => byDevice('step.changeDns', ctx),
  },
  {
    id: 'contactSite',
    reply: (ctx) => ({ key: 'user.contactSite', vars: { host: ctx.host ?? '' }, draft: contactSiteDraft(ctx) }),
  },
  {
    id: 'contactIsp',
    reply: (ctx) => ({ key: 'user.contactIsp', vars: { host: ctx.host ?? '' }, draft: contactIspDraft(ctx) }),
  },
];

/** Looks a step up by id (the table is the single source of truth). */
export function userStep(id: UserStepId): UserStep {
  const step = USER_STEPS.find((s) => s.id === id);
  if (!step) throw new Error(`unknown user step ${id}`);
  return step;
}

/** The first step that applies and was not tried yet; undefined when only "come back later" is left. */
export function nextUserStep(ctx: SupportContext): UserStepId | undefined {
  const tried = new Set(ctx.stepsTried.map((s) => s.step));
  return USER_STEPS.find((s) => !tried.has(s.id) && (s.applies?.(ctx) ?? true))?.id;
}
