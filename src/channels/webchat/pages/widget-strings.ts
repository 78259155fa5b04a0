/**
 * The widget's own words (the `widget` object of locales/<lng>/translation.json), handed to the browser
 * scripts as data. Placeholders such as `{{count}}` are left in: the scripts fill them in as the person types.
 */
import type { i18n as I18n } from 'i18next';
import { LOCALES, type LocaleId } from '../../../contracts';
import type { EmbedStrings } from './embed-script';

/** The keys under `widget` that the browser needs. */
export const WIDGET_STRING_KEYS = [
  'launcher',
  'close',
  'frameTitle',
  'region',
  'loading',
  'noScript',
  'loadFailed',
  'startFailed',
  'counter',
  'tooLong',
  'copy',
  'copied',
  'copyFailed',
  'email',
] as const;
/** One of the widget's string keys (under `widget.` in the translation files). */
export type WidgetStringKey = (typeof WIDGET_STRING_KEYS)[number];
/** The widget's strings in one language, placeholders kept. */
export type WidgetStrings = Record<WidgetStringKey, string>;

/** One language's widget strings, untranslated placeholders kept; English for anything missing. */
export function widgetStrings(i18n: I18n, locale: LocaleId): WidgetStrings {
  const raw = (lng: string, key: string): unknown => i18n.getResource(lng, 'translation', `widget.${key}`);
  return Object.fromEntries(
    WIDGET_STRING_KEYS.map((key) => {
      const value = raw(locale, key) ?? raw('en', key);
      return [key, typeof value === 'string' ? value : key];
    }),
  ) as WidgetStrings;
}

/** The launcher's strings in every language, for embed.js (which learns the page language in the browser). */
export function embedStringsByLocale(i18n: I18n): Record<LocaleId, EmbedStrings> {
  return Object.fromEntries(
    LOCALES.map((locale) => {
      const { launcher, close, frameTitle } = widgetStrings(i18n, locale);
      return [locale, { launcher, close, frameTitle }];
    }),
  ) as Record<LocaleId, EmbedStrings>;
}
