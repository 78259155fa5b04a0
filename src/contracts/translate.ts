/**
 * A translator fixed to one language for one turn or one page: i18next's `getFixedT(locale)` narrowed to
 * what renderers use (`translatorFor` in src/core/i18n.ts builds one).
 */
export type Translate = (key: string, vars?: Record<string, unknown>) => string;
