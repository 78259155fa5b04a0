/**
 * Neutral replies as plain text: the terminal's rendering, and the fallback text of richer cards.
 * Also home of the variable resolution every renderer shares (shortcut keys and translated terms).
 */
import type { TranslationKey } from '../../../dialogs/translation-keys';
import type { DraftLine, Reply } from '../../../dialogs/types';
import type { Translate } from '../../contracts';

/** What a reply or a draft carries besides its key: raw values, shortcut keys, translated terms and lines. */
export interface VarSource {
  vars?: Record<string, string | number>;
  keys?: Record<string, string[]>;
  terms?: Record<string, string[]>;
  /** Var name -> lines, each translated with its own vars (a draft's evidence, one known fact per line). */
  lines?: Record<string, DraftLine[]>;
}

/** Separators the channel-neutral contract fixes (dialogs/types.ts): `Ctrl+Shift+R`, `A, B`. */
const KEY_JOINER = '+';
const TERM_JOINER = ', ';
const LINE_JOINER = '\n';

/** i18n key of the caption above a ready-to-send draft (all renderers use it). */
export const DRAFT_CAPTION_KEY: TranslationKey = 'render.draftCaption';

// C0/C1 controls (terminal escape sequences start with ESC or CSI) and the bidi overrides that let a
// host name read differently from what it is. Tab and newline are kept: they are layout, not commands.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are what the pattern removes.
const UNSAFE_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Removes characters that could drive a terminal or disguise text; keeps tabs and newlines. */
export function stripUnsafeChars(value: string): string {
  return value.replace(UNSAFE_CHARS, '');
}

/**
 * The interpolation values of a reply or draft: string vars passed through `formatValue` (each channel's
 * escaping), numbers as they are, key ids translated through `key.<id>` and joined with '+', term keys
 * translated and joined with ', ', lines translated with their own vars and joined with line breaks.
 * Keys and terms are our own words, so they are never escaped.
 */
export function resolveVars(
  source: VarSource,
  t: Translate,
  formatValue: (value: string) => string = stripUnsafeChars,
): Record<string, string | number> {
  const resolved: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(source.vars ?? {})) {
    resolved[name] = typeof value === 'number' ? value : formatValue(value);
  }
  for (const [name, ids] of Object.entries(source.keys ?? {})) {
    resolved[name] = ids.map((id) => keyLabel(id, t)).join(KEY_JOINER);
  }
  for (const [name, keys] of Object.entries(source.terms ?? {})) {
    resolved[name] = keys.map((key) => t(key)).join(TERM_JOINER);
  }
  for (const [name, lines] of Object.entries(source.lines ?? {})) {
    // Each line's own values get the channel's escaping; the lines are our sentences, joined one per line.
    resolved[name] = lines.map((line) => translateWith(t, line.key, resolveVars(line, t, formatValue))).join(LINE_JOINER);
  }
  return resolved;
}

/**
 * A key id as the user's keyboard labels it. i18next answers a missing key with the key itself, which is
 * how letters and F-keys (no `key.R` entry) stay literal while modifiers get local names ("Strg"); so the
 * key is built from any id on purpose, not checked as a `TranslationKey`.
 */
export function keyLabel(id: string, t: Translate): string {
  const i18nKey = `key.${id}`;
  const label = t(i18nKey);
  return label === i18nKey || label === '' ? id : label;
}

/** Translates `key` with its resolved vars, leaving the options out when there are none. */
export function translateWith(t: Translate, key: string, vars: Record<string, string | number>): string {
  return Object.keys(vars).length > 0 ? t(key, vars) : t(key);
}

/** The main sentence of a reply, with vars resolved for plain text. */
export function plainReplyText(reply: Reply, t: Translate): string {
  return translateWith(t, reply.key, resolveVars(reply, t));
}

/** The draft's text, resolved for plain text (undefined when the reply has none). */
export function plainDraftText(reply: Reply, t: Translate): string | undefined {
  return reply.draft ? translateWith(t, reply.draft.key, resolveVars(reply.draft, t)) : undefined;
}

/**
 * A reply as plain text: the sentence, facts as "label: value" lines, the draft as an indented block
 * under its caption, choices as a numbered list ("1. Yes"). Sections are separated by a blank line.
 */
export function renderPlainText(reply: Reply, t: Translate): string {
  const sections: string[] = [plainReplyText(reply, t)];
  if (reply.facts?.length) {
    sections.push(reply.facts.map((fact) => `${t(fact.labelKey)}: ${stripUnsafeChars(fact.value)}`).join('\n'));
  }
  const draft = plainDraftText(reply, t);
  if (draft !== undefined) {
    const indented = draft
      .split('\n')
      .map((line) => (line.trim() === '' ? '' : `    ${line}`))
      .join('\n');
    sections.push(`${t(DRAFT_CAPTION_KEY)}\n${indented}`);
  }
  if (reply.choices?.length) {
    sections.push(reply.choices.map((choice, index) => `${index + 1}. ${t(choice.labelKey)}`).join('\n'));
  }
  return sections.join('\n\n');
}
