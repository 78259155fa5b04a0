/**
 * The visitor's troubleshooting steps as data (STYLE habit 14): order, when a step applies, whether the
 * site is re-checked after it, and how its reply is tailored to the person's browser and device.
 */
import type { SupportContext } from './context';
import { displayTime, requestIdsOf } from './context';
import { PRODUCER_NAMES } from './producers';
import { genericShortcuts, isTouch, shortcutsFor, type ShortcutAction } from './shortcuts';
import type { BrowserId, OsId, Reply } from './types';

export const USER_STEP_IDS = [
  'reload',
  'hardRefresh',
  'restartBrowser',
  'clearCache',
  'clearCookies',
  'privateWindow',
  'otherBrowser',
  'restartComputer',
  'restartNetwork',
  'changeDns',
  'contactSite',
  'contactIsp',
] as const;
export type UserStepId = (typeof USER_STEP_IDS)[number];

export interface UserStep {
  id: UserStepId;
  /** The state under `user` that asks it. */
  state: string;
  /** Evidence that makes the step pointless; omitted means it always applies. */
  applies?: (ctx: SupportContext) => boolean;
  /** Probe the site again once the person says this did not help (it may have gone down meanwhile). */
  recheckAfter?: boolean;
  /** The reply key prefix; `reply` picks the variant (`.keys`, `.touch`, `.generic`...). */
  replyKey: string;
  reply: (ctx: SupportContext) => Omit<Reply, 'choices'>;
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

/** A reply that names a keyboard shortcut when there is a keyboard, or a menu path when there is not. */
function keyed(prefix: string, action: ShortcutAction, ctx: SupportContext): Omit<Reply, 'choices'> {
  if (isTouch(ctx.os)) return { key: `${prefix}.touch` };
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
function byDevice(prefix: string, ctx: SupportContext): Omit<Reply, 'choices'> {
  return { key: `${prefix}.${isTouch(ctx.os) ? 'touch' : 'desktop'}` };
}

/** A touch reply per system where the menus differ (iOS keeps browser data in the Settings app). */
function byTouchOs(prefix: string, action: ShortcutAction, ctx: SupportContext): Omit<Reply, 'choices'> {
  if (ctx.os === 'ios') return { key: `${prefix}.ios` };
  if (ctx.os === 'android') return { key: `${prefix}.android` };
  return keyed(prefix, action, ctx);
}

/** The vars and translated terms every ready-to-send message shares. */
export function evidenceForDraft(ctx: SupportContext): { vars: Record<string, string | number>; terms: Record<string, string[]> } {
  const p = ctx.probe;
  const vars: Record<string, string | number> = {
    url: ctx.url ?? p?.url ?? '-',
    time: p ? displayTime(p.checkedAt) : '-',
    status: p?.httpStatus ?? '-',
    producer: p?.producer ? PRODUCER_NAMES[p.producer] : ctx.pastedProducer ? PRODUCER_NAMES[ctx.pastedProducer] : '-',
    requestIds: requestIdsOf(p).join(', ') || '-',
    stepCount: ctx.stepsTried.filter((s) => !s.step.startsWith('admin.')).length,
  };
  const tried = ctx.stepsTried.filter((s) => s.answer !== 'skip' && !s.step.startsWith('admin.'));
  return {
    vars,
    terms: {
      verdict: [p ? `verdict.${p.verdict}` : 'verdict.unknown'],
      steps: tried.length > 0 ? tried.map((s) => `stepName.${s.step}`) : ['stepName.none'],
    },
  };
}

const notTouch = (ctx: SupportContext): boolean => !isTouch(ctx.os);

/** The visitor steps, in the order they are offered. */
export const USER_STEPS: readonly UserStep[] = [
  {
    id: 'reload',
    state: 'step.reload',
    replyKey: 'step.reload',
    // Reloading a page that was a form submission sends the form again, so they open the address instead.
    reply: (ctx) => (ctx.submitting ? { key: 'step.reload.fresh' } : keyed('step.reload', 'reload', ctx)),
  },
  {
    id: 'hardRefresh',
    state: 'step.hardRefresh',
    // Phones have no hard refresh, and after a form submission it would resend the form.
    applies: (ctx) => notTouch(ctx) && !ctx.submitting,
    replyKey: 'step.hardRefresh',
    reply: (ctx) => keyed('step.hardRefresh', 'hardRefresh', ctx),
  },
  {
    id: 'restartBrowser',
    state: 'step.restartBrowser',
    replyKey: 'step.restartBrowser',
    reply: (ctx) => byDevice('step.restartBrowser', ctx),
  },
  {
    id: 'clearCache',
    state: 'step.clearCache',
    replyKey: 'step.clearCache',
    reply: (ctx) => byTouchOs('step.clearCache', 'clearData', ctx),
  },
  {
    id: 'clearCookies',
    state: 'step.clearCookies',
    recheckAfter: true,
    replyKey: 'step.clearCookies',
    reply: (ctx) => {
      const r = byTouchOs('step.clearCookies', 'clearData', ctx);
      return { ...r, vars: { ...r.vars, host: ctx.host ?? '' } };
    },
  },
  {
    id: 'privateWindow',
    state: 'step.privateWindow',
    // Safari on iOS runs almost no extensions, so a safe-mode step tells the person nothing there.
    applies: (ctx) => ctx.os !== 'ios',
    replyKey: 'step.privateWindow',
    reply: (ctx) => keyed('step.privateWindow', 'privateWindow', ctx),
  },
  {
    id: 'otherBrowser',
    state: 'step.otherBrowser',
    replyKey: 'step.otherBrowser',
    reply: (ctx): Omit<Reply, 'choices'> => {
      const other = suggestBrowser(ctx.browser, ctx.os);
      if (!other) return { key: 'step.otherBrowser.generic' };
      return ctx.browser
        ? { key: 'step.otherBrowser.named', vars: { current: BROWSER_NAMES[ctx.browser], other: BROWSER_NAMES[other] } }
        : { key: 'step.otherBrowser.suggest', vars: { other: BROWSER_NAMES[other] } };
    },
  },
  {
    id: 'restartComputer',
    state: 'step.restartComputer',
    replyKey: 'step.restartComputer',
    reply: (ctx) => ({ key: isTouch(ctx.os) ? 'step.restartComputer.device' : 'step.restartComputer.computer' }),
  },
  {
    id: 'restartNetwork',
    state: 'step.restartNetwork',
    recheckAfter: true,
    replyKey: 'step.restartNetwork',
    reply: (ctx) => byDevice('step.restartNetwork', ctx),
  },
  {
    id: 'changeDns',
    state: 'step.changeDns',
    // When the site's own name does not resolve anywhere, another resolver cannot find it either.
    applies: (ctx) => ctx.probe?.verdict !== 'dns_error',
    replyKey: 'step.changeDns',
    reply: (ctx) => byDevice('step.changeDns', ctx),
  },
  {
    id: 'contactSite',
    state: 'contactSite',
    replyKey: 'user.contactSite',
    reply: (ctx) => {
      const { vars, terms } = evidenceForDraft(ctx);
      return { key: 'user.contactSite', vars: { host: ctx.host ?? '-' }, draft: { key: 'draft.contactSite', vars, terms } };
    },
  },
  {
    id: 'contactIsp',
    state: 'contactIsp',
    replyKey: 'user.contactIsp',
    reply: (ctx) => {
      const { vars, terms } = evidenceForDraft(ctx);
      return { key: 'user.contactIsp', vars: { host: ctx.host ?? '-' }, draft: { key: 'draft.contactIsp', vars, terms } };
    },
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
