/** Which member of the 502 family a message shows, from the shared patterns and every language's phrasings. */
import { LOCALES, type LocaleId } from '../../contracts';
import { VARIANTS } from '../../../dialogs/types';
import type { VariantId } from '../../../dialogs/types';
import { PhraseIndex, entries } from './phrase-matcher';
import type { PhraseEntry, PreparedText } from './phrase-matcher';
import type { UnderstandingTable } from './understanding-table';
import { VARIANT_PATTERNS, VARIANT_PRECEDENCE } from './variants';

/** Variant phrasings gathered from all tables (an error page is often in another language than the chat). */
export type VariantIndex = PhraseIndex<VariantId>;

/** Indexes the variant phrasings of all tables. */
export function compileVariantPhrases(tables: Readonly<Record<LocaleId, UnderstandingTable>>): VariantIndex {
  const all: Array<PhraseEntry<VariantId>> = [];
  for (const locale of LOCALES) {
    for (const variant of VARIANTS) all.push(...entries(tables[locale].variants[variant] ?? [], 'anywhere', variant));
  }
  return new PhraseIndex(all);
}

/**
 * The most specific variant shown in a message: `text` is the normalised message (for the shared
 * patterns, which need dots and brackets), `prepared` its match form (for the per-language phrasings).
 */
export function detectVariant(index: VariantIndex, text: string, prepared: PreparedText): VariantId | undefined {
  const found = new Set<VariantId>(index.find(prepared).map((match) => match.value));
  const lower = text.toLowerCase();
  for (const { variant, pattern, needs } of VARIANT_PATTERNS) {
    if (!found.has(variant) && lower.includes(needs) && pattern.test(text)) found.add(variant);
  }
  return VARIANT_PRECEDENCE.find((variant) => found.has(variant));
}
