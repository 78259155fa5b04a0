/**
 * Languages: one i18next instance for the process, and a translator fixed to one language per turn
 * (`getFixedT`), never a global language switch shared by concurrent conversations.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import i18next, { type i18n as I18n, type Resource, type ResourceLanguage } from 'i18next';
import { LOCALES, type LocaleId, type Translate } from '../contracts';
import { PACKAGE_ROOT } from '../package-root';

/** Namespaces loaded from `locales/<lng>/<ns>.json` when present. */
export const NAMESPACES = ['translation', 'status'] as const;

/** locales/ at the package root: the same folder from src/ (tsx) and from dist/src/ (compiled). */
export const LOCALES_DIR = path.join(PACKAGE_ROOT, 'locales');

/** Loads every locale's resources synchronously and returns a ready i18next instance. */
export function createI18n({ fallbackLocale = 'en' as LocaleId, dir = LOCALES_DIR } = {}): I18n {
  const resources: Resource = {};
  for (const locale of LOCALES) {
    const language: ResourceLanguage = {};
    for (const ns of NAMESPACES) {
      const file = path.join(dir, locale, `${ns}.json`);
      if (existsSync(file)) language[ns] = JSON.parse(readFileSync(file, 'utf8')) as ResourceLanguage[string];
    }
    resources[locale] = language;
  }
  const instance = i18next.createInstance();
  void instance.init({
    resources,
    lng: fallbackLocale,
    fallbackLng: [fallbackLocale, 'en'],
    supportedLngs: [...LOCALES],
    ns: [...NAMESPACES],
    defaultNS: 'translation',
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return instance;
}

/**
 * Maps whatever a channel says about language ('es-MX', 'pt', 'PT_br', 'ja-JP', 'de_AT') to a locale we speak.
 * Portuguese of any region gets Brazilian Portuguese, the only Portuguese we write.
 */
export function resolveLocale(tag: string | undefined | null, fallback: LocaleId = 'en'): LocaleId {
  if (!tag) return fallback;
  const normalised = tag.trim().replace(/_/g, '-').toLowerCase();
  const exact = LOCALES.find((locale) => locale.toLowerCase() === normalised);
  if (exact) return exact;
  const language = normalised.split('-')[0];
  if (language === 'pt') return 'pt-BR';
  return LOCALES.find((locale) => locale.toLowerCase() === language) ?? fallback;
}

/** Translations remembered per language; beyond it the memory starts over (a storm repeats a few sentences). */
const MEMO_ENTRIES = 5000;
/** Sentences whose variables are longer than this (pasted text, drafts) are not remembered. */
const MEMO_MAX_KEY = 1000;

interface Memo {
  fixed: ReturnType<I18n['getFixedT']>;
  sentences: Map<string, string>;
}
const memos = new WeakMap<I18n, Map<LocaleId, Memo>>();

/**
 * A translator bound to one language, for one turn or one page. The resources never change after start-up,
 * so a sentence with the same key and variables is the same string: i18next's interpolation was a tenth of
 * an outage storm's CPU, for a handful of distinct sentences.
 */
export function translatorFor(i18n: I18n, locale: LocaleId): Translate {
  let byLocale = memos.get(i18n);
  if (byLocale === undefined) {
    byLocale = new Map();
    memos.set(i18n, byLocale);
  }
  let memo = byLocale.get(locale);
  if (memo === undefined) {
    memo = { fixed: i18n.getFixedT(locale), sentences: new Map() };
    byLocale.set(locale, memo);
  }
  const { fixed, sentences } = memo;
  return (key, vars) => {
    const id = memoId(key, vars);
    if (id === undefined || id.length > MEMO_MAX_KEY) return String(fixed(key, vars as Record<string, unknown>));
    let sentence = sentences.get(id);
    if (sentence === undefined) {
      sentence = String(fixed(key, vars as Record<string, unknown>));
      if (sentences.size >= MEMO_ENTRIES) sentences.clear();
      sentences.set(id, sentence);
    }
    return sentence;
  };
}

/** The memo's key for a sentence, or undefined when its variables cannot be written as JSON. */
function memoId(key: string, vars: Record<string, unknown> | undefined): string | undefined {
  if (vars === undefined) return key;
  try {
    return `${key}\u0000${JSON.stringify(vars)}`;
  } catch {
    return undefined;
  }
}
