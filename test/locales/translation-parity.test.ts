/**
 * Every translation matches English key for key: same nesting, the plural forms each language's rules
 * ask for, the same `{{vars}}`, nothing empty or left in English, and i18next renders every key. Button
 * labels must also be understood when typed, because people often type the label instead of clicking.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import i18next from 'i18next';
import { LOCALES, type LocaleId } from '../../src/contracts';
import { INTENTS } from '../../dialogs/types';
import { createI18n, LOCALES_DIR, translatorFor } from '../../src/core/i18n';
import { understand } from '../../src/core/understanding';

interface TranslationTree {
  [key: string]: string | TranslationTree;
}

const TRANSLATED: readonly LocaleId[] = LOCALES.filter((locale) => locale !== 'en');

/** Suffixes i18next appends for `Intl.PluralRules` categories (`_zero` is also honoured for a count of 0). */
const PLURAL_CATEGORIES = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;
const PLURAL_KEY = new RegExp(`^(.*)_(${PLURAL_CATEGORIES.join('|')})$`);

/** Keys whose value may equal English: brand names, key caps printed alike, record types, units. */
const SAME_AS_ENGLISH_ALLOWED: readonly RegExp[] = [
  /^producer\./,
  /^key\.(ctrl|shift|alt|cmd|option|delete|backspace)$/,
  /^fact\.dns(A|Aaaa|Cname|Ns)$/,
  /^fact\.(dnsMs|tlsMs)$/,
  /^layer\.cdn$/,
];

/** Modifier names as printed on each country's keyboards (what the reader looks for on the keys). */
const PRINTED_KEYS: Partial<Record<LocaleId, Record<string, string>>> = {
  de: { ctrl: 'Strg', shift: 'Umschalt', delete: 'Entf' },
  fr: { ctrl: 'Ctrl', shift: 'Maj', delete: 'Suppr' },
  es: { ctrl: 'Ctrl', shift: 'Mayús', delete: 'Supr' },
};

function readTree(locale: LocaleId): TranslationTree {
  return JSON.parse(readFileSync(path.join(LOCALES_DIR, locale, 'translation.json'), 'utf8')) as TranslationTree;
}

/** Dotted key -> string; a non-string, non-object leaf is reported under its key as `typeof`. */
function flatten(tree: TranslationTree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const dotted = prefix + key;
    if (typeof value === 'string') out.set(dotted, value);
    else if (value !== null && typeof value === 'object') for (const [k, v] of flatten(value, `${dotted}.`)) out.set(k, v);
    else out.set(dotted, `<${typeof value}>`);
  }
  return out;
}

/** The plural base of a key (`items_other` -> `items`), or undefined for a plain key. */
function pluralBase(key: string): { base: string; category: string } | undefined {
  const match = PLURAL_KEY.exec(key);
  return match?.[1] !== undefined && match[2] !== undefined ? { base: match[1], category: match[2] } : undefined;
}

function pluralCategoriesOf(locale: LocaleId): string[] {
  return new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
}

/**
 * The keys a translation must have, given English's: plain keys as they are, and for every plural group
 * (a base with `_other` in English) the forms i18next will look up for this language's plural rules.
 */
function expectedKeys(englishKeys: Iterable<string>, locale: LocaleId): string[] {
  const keys = [...englishKeys];
  const groups = new Set(
    keys
      .map(pluralBase)
      .filter((p) => p?.category === 'other')
      .map((p) => p?.base),
  );
  const out = new Set<string>();
  for (const key of keys) {
    const plural = pluralBase(key);
    if (!plural || !groups.has(plural.base)) out.add(key);
    else if (plural.category === 'zero') out.add(key);
  }
  for (const base of groups) for (const category of pluralCategoriesOf(locale)) out.add(`${base}_${category}`);
  return [...out].sort();
}

/** Variable names in an i18next string, formats stripped (`{{n, number}}` -> `n`). */
function varsOf(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([^}\s,]+)[^}]*\}\}/g)].map((m) => m[1] ?? '').sort();
}

/** A count that `Intl.PluralRules(locale)` files under `category`. */
function sampleCount(locale: LocaleId, category: string): number | undefined {
  const rules = new Intl.PluralRules(locale);
  return [0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 21, 22, 100, 101, 1_000_000, 0.5, 1.5].find((n) => rules.select(n) === category);
}

/** The English string a translated key answers to (a plural form English lacks answers to `_other`). */
function englishFor(english: Map<string, string>, key: string): string | undefined {
  const plural = pluralBase(key);
  return english.get(key) ?? (plural ? english.get(`${plural.base}_other`) : undefined);
}

function withTranslator(locale: LocaleId, tree: TranslationTree) {
  const instance = i18next.createInstance();
  void instance.init({
    resources: { [locale]: { translation: tree } },
    lng: locale,
    fallbackLng: false,
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return instance.getFixedT(locale);
}

const englishTree = readTree('en');
const english = flatten(englishTree);

describe('expectedKeys', () => {
  it('asks for the plural forms each language distinguishes', () => {
    const keys = ['a.items_one', 'a.items_other', 'b'];
    expect(expectedKeys(keys, 'fr')).toEqual(['a.items_many', 'a.items_one', 'a.items_other', 'b']);
    expect(expectedKeys(keys, 'ja')).toEqual(['a.items_other', 'b']);
    expect(expectedKeys(keys, 'de')).toEqual(['a.items_one', 'a.items_other', 'b']);
    expect(expectedKeys(['variant.iis-502_1'], 'es')).toEqual(['variant.iis-502_1']);
  });
});

describe.each(TRANSLATED)('%s translation', (locale) => {
  const tree = readTree(locale);
  const translated = flatten(tree);

  it('has exactly the keys of English, in the same nesting', () => {
    expect([...translated.keys()].sort()).toEqual(expectedKeys(english.keys(), locale));
  });

  it('keeps every English {{variable}} and adds none', () => {
    const problems: string[] = [];
    for (const [key, text] of translated) {
      const source = englishFor(english, key);
      if (source === undefined) continue;
      const wanted = new Set(varsOf(source));
      const have = new Set(varsOf(text));
      if (pluralBase(key)) wanted.delete('count');
      for (const name of wanted) if (!have.has(name)) problems.push(`${key}: missing {{${name}}}`);
      for (const name of have) if (!wanted.has(name) && !(name === 'count' && pluralBase(key))) problems.push(`${key}: new {{${name}}}`);
    }
    expect(problems).toEqual([]);
  });

  it('has no empty value and nothing left in English outside the allowlist', () => {
    const empty = [...translated].filter(([, text]) => text.trim() === '').map(([key]) => key);
    const untranslated = [...translated]
      .filter(([key, text]) => englishFor(english, key) === text && !SAME_AS_ENGLISH_ALLOWED.some((re) => re.test(key)))
      .map(([key]) => key);
    expect(empty).toEqual([]);
    expect(untranslated).toEqual([]);
  });

  it('renders every key through i18next with every variable filled in', () => {
    const t = withTranslator(locale, tree);
    const problems: string[] = [];
    for (const key of translated.keys()) {
      if (pluralBase(key)) continue;
      const vars = Object.fromEntries(varsOf(english.get(key) ?? '').map((name) => [name, `<${name}>`]));
      const out = String(t(key, vars));
      if (out === key) problems.push(`${key}: not found`);
      if (out.includes('{{') || out.includes('}}')) problems.push(`${key}: left a placeholder: ${out}`);
      for (const value of Object.values(vars)) if (!out.includes(value)) problems.push(`${key}: ${value} not interpolated`);
    }
    expect(problems).toEqual([]);
  });

  it('picks each supplied plural form for the counts its plural rules give', () => {
    const t = withTranslator(locale, tree);
    const bases = new Set(
      [...translated.keys()]
        .map(pluralBase)
        .filter((p) => p !== undefined)
        .map((p) => p.base),
    );
    const problems: string[] = [];
    for (const base of bases) {
      for (const category of pluralCategoriesOf(locale)) {
        const count = sampleCount(locale, category);
        if (count === undefined) continue;
        const vars = Object.fromEntries(varsOf(translated.get(`${base}_${category}`) ?? '').map((name) => [name, `<${name}>`]));
        const picked = String(t(base, { ...vars, count }));
        const direct = String(t(`${base}_${category}`, { ...vars, count }));
        if (picked !== direct || picked.includes('{{')) problems.push(`${base} with count ${count}: got "${picked}"`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('prints modifier keys as the keyboards of that language do', () => {
    const printed = PRINTED_KEYS[locale];
    if (!printed) return;
    for (const [id, label] of Object.entries(printed)) expect(translated.get(`key.${id}`)).toBe(label);
  });

  it('is served by the application i18n instance', () => {
    const t = translatorFor(createI18n(), locale);
    expect(t('choice.yes')).toBe(translated.get('choice.yes'));
    expect(t('step.reload.keys', { shortcut: 'F5' })).toContain('F5');
  });
});

describe.each(LOCALES)('%s button labels', (locale) => {
  const translated = flatten(readTree(locale));
  const labelled = INTENTS.filter((intent) => english.has(`choice.${intent}`));

  it.each(labelled)('choice.%s typed as text is understood as that intent', (intent) => {
    const label = translated.get(`choice.${intent}`);
    expect(label).toBeDefined();
    expect(understand((label ?? '').toLowerCase(), { locale }).intents).toEqual([intent]);
  });
});
