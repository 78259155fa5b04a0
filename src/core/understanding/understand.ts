/**
 * Free text -> `UserMessageEvent`: intents, a language switch, the site, the 502 variant, browser and
 * system, whether a form was being sent, and explanations of pasted logs or error pages.
 */
import { LOCALES, type LocaleId } from '../../contracts';
import type { UserMessageEvent } from '../../../dialogs/types';
import { explainReport, looksPasted } from '../../probe/explain';
import { mergeTruncation } from '../../text/limits';
import { compileClientPhrases, detectClientInText } from './client-detection';
import { compileIntents, detectIntents } from './intents';
import type { IntentIndex } from './intents';
import { compileMarkers, detectWrittenIn } from './language-detection';
import { compileLanguages, detectLanguageSwitch } from './language-switch';
import { MAX_KEPT_CHARS, MAX_SCANNED_CHARS, cutAt, normaliseTextReport } from './normalise';
import { pastedLineTrust, proseLines, splitRecords, typedLineTrust } from './pasted-lines';
import { PhraseIndex, entries, prepareText } from './phrase-matcher';
import { UNDERSTANDING_TABLES } from './understanding-table';
import { extractUrl, withoutUrls } from './url-extraction';
import { compileVariantPhrases, detectVariant } from './variant-detection';

/** Options of `understand`. */
export interface UnderstandOptions {
  /** The language the person uses (their tables are asked first). */
  locale: LocaleId;
}

// Compiled once at load: the tables are data shipped with the code, not per-request input.
const INTENTS_BY_LOCALE = Object.fromEntries(LOCALES.map((locale) => [locale, compileIntents(UNDERSTANDING_TABLES[locale])])) as Record<
  LocaleId,
  IntentIndex
>;
const LANGUAGES = compileLanguages(UNDERSTANDING_TABLES);
const MARKERS = compileMarkers(UNDERSTANDING_TABLES);
const VARIANT_PHRASES = compileVariantPhrases(UNDERSTANDING_TABLES);
const CLIENT_PHRASES = compileClientPhrases(UNDERSTANDING_TABLES);
const SUBMITTING = new PhraseIndex(
  entries(
    LOCALES.flatMap((locale) => UNDERSTANDING_TABLES[locale].submitting),
    'anywhere',
    true,
  ),
);

/** Understands one message. Never throws: any input gives an event, at worst one with no intents. */
export function understand(text: string, options: UnderstandOptions): UserMessageEvent {
  const { text: scanned, cut } = normaliseTextReport(text, MAX_SCANNED_CHARS);
  const kept = cutAt(scanned, MAX_KEPT_CHARS);
  if (scanned === '') return { type: 'user.message', text: kept, intents: [] };
  const locale = LOCALES.includes(options?.locale) ? options.locale : 'en';
  // Understanding runs before every reply: a fault in it must cost one message's meaning, not the turn.
  return safely(() => readMessage(scanned, kept, locale, cut), { type: 'user.message', text: kept, intents: [] });
}

function readMessage(typed: string, kept: string, locale: LocaleId, cut: boolean): UserMessageEvent {
  const event: UserMessageEvent = { type: 'user.message', text: kept, intents: [] };
  // Logs, headers and pages are told apart before any URL is looked for: hosts inside them are evidence.
  const scanned = safely(() => splitRecords(typed), typed);
  const pasted = safely(() => looksPasted(scanned), false);
  // Intents, browser and the like come from what the person wrote, not from what they pasted.
  const own = cutAt(pasted ? proseLines(scanned) : scanned, MAX_KEPT_CHARS);
  const ownText = prepareText(withoutUrls(own));

  const language = detectLanguageSwitch(LANGUAGES, ownText);
  if (language !== undefined) event.language = language;
  else {
    const writtenIn = detectWrittenIn(MARKERS, ownText);
    if (writtenIn !== undefined) event.writtenIn = writtenIn;
    // The language the words are in is asked first, whatever the page or the browser said.
    event.intents = detectIntents(INTENTS_BY_LOCALE, ownText, writtenIn ?? locale);
  }

  const url = extractUrl(scanned, pasted ? pastedLineTrust : typedLineTrust);
  if (url !== undefined) event.url = url;

  // Per-language variant phrasings are looked for in pasted pages too; a typed message is already prepared.
  const variantText = !pasted && own === scanned ? ownText : prepareText(scanned);
  const variant = detectVariant(VARIANT_PHRASES, scanned, variantText);
  if (variant !== undefined) event.variant = variant;

  const client = detectClientInText(CLIENT_PHRASES, ownText);
  if (client.browser !== undefined) event.browser = client.browser;
  if (client.os !== undefined) event.os = client.os;

  if (SUBMITTING.find(ownText).length > 0) event.submitting = true;

  if (pasted) {
    const report = safely(() => explainReport(scanned), { findings: [] });
    if (report.findings.length > 0) {
      event.findings = report.findings;
      // The person is told when the explanation rests on only part of what they pasted.
      const truncated = mergeTruncation(cut ? { chars: MAX_SCANNED_CHARS } : undefined, report.truncated);
      if (truncated) event.findingsTruncated = truncated;
    }
  }
  return event;
}

/** Runs `work`, or gives `fallback` if it throws. */
function safely<T>(work: () => T, fallback: T): T {
  try {
    return work();
  } catch {
    return fallback;
  }
}
