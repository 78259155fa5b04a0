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

/** A translator bound to one language, for one turn or one page. */
export function translatorFor(i18n: I18n, locale: LocaleId): Translate {
  const fixed = i18n.getFixedT(locale);
  return (key, vars) => String(fixed(key, vars as Record<string, unknown>));
}
