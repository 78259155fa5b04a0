/** The languages the bot speaks; each has its resources in `locales/<id>/`. */
export const LOCALES = ['en', 'es', 'fr', 'de', 'pt-BR', 'ja'] as const;

/** A language the bot speaks. */
export type LocaleId = (typeof LOCALES)[number];
