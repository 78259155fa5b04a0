/**
 * The hand-written phrase matcher against NLP.js (@nlpjs/nlp with its language packages) on the reply
 * corpus: `npm run bench:understanding`. NLP.js is trained offline, per language, from that language's
 * phrase table and its tuning corpus, then both read the held-aside quarter through the same routing (only
 * the intent reader is swapped: URLs, pastes, variants and languages come from `understand()` for both).
 * Prints accuracy per language for each, on the tuning set and on the holdout.
 *
 * Once the holdout has been merged into the tables (after its honest figure was recorded), both readers have
 * seen it and the holdout column only shows that they still agree with it.
 */
import { performance } from 'node:perf_hooks';
import { containerBootstrap } from '@nlpjs/core';
import { LangDe } from '@nlpjs/lang-de';
import { LangEn } from '@nlpjs/lang-en';
import { LangEs } from '@nlpjs/lang-es';
import { LangFr } from '@nlpjs/lang-fr';
import { LangJa } from '@nlpjs/lang-ja';
import { LangPt } from '@nlpjs/lang-pt';
import { Nlp } from '@nlpjs/nlp';
import { INTENTS, type Intent } from '../dialogs/types';
import { LOCALES, type LocaleId } from '../src/contracts';
import { understand } from '../src/core/understanding';
import { normaliseText } from '../src/core/understanding/normalise';
import { proseLines, splitRecords } from '../src/core/understanding/pasted-lines';
import { UNDERSTANDING_TABLES } from '../src/core/understanding/understanding-table';
import { withoutUrls } from '../src/core/understanding/url-extraction';
import { looksPasted } from '../src/probe/explain';
import { accuracy, expectedOf, loadCorpus, loadOffTopic, type Outcome, type Reader, runCorpus } from '../test/helpers/understanding-corpus';

/** NLP.js's language code for each of ours. */
const NLP_LANGUAGE: Record<LocaleId, string> = { en: 'en', es: 'es', fr: 'fr', de: 'de', 'pt-BR': 'pt', ja: 'ja' };
/** NLP.js's own default: below it, an utterance is "None". */
const THRESHOLD = 0.5;

/** The minimal surface of an NLP.js `Nlp` instance used here (the packages ship no types). */
interface NlpInstance {
  settings: { log: boolean; autoSave: boolean; threshold?: number };
  addLanguage(language: string): void;
  addDocument(language: string, utterance: string, intent: string): void;
  train(): Promise<void>;
  process(language: string, utterance: string): Promise<{ intent: string; score: number }>;
}

/** The words intents are read from, as `understand()` takes them: typed lines only, URLs as `<url>`. */
function ownWords(text: string): string {
  const scanned = splitRecords(normaliseText(text));
  return withoutUrls(looksPasted(scanned) ? proseLines(scanned) : scanned);
}

/** The intent a corpus label stands for, when it is one ("url:admin" is the admin role said with a site). */
function labelIntent(label: string): Intent | undefined {
  const name = label === 'url:admin' ? 'admin' : label === 'url:visitor' ? 'visitor' : label;
  return (INTENTS as readonly string[]).includes(name) ? (name as Intent) : undefined;
}

async function trainNlp(locale: LocaleId): Promise<NlpInstance> {
  const container = await containerBootstrap();
  for (const plugin of [LangEn, LangEs, LangFr, LangDe, LangPt, LangJa]) container.use(plugin);
  // The neural network's per-epoch log is configured on the NLU manager, which reads its settings when built.
  const nlp = new Nlp({ container, log: false, autoSave: false, nlu: { log: false } }) as NlpInstance;
  nlp.settings.log = false;
  nlp.settings.autoSave = false;
  nlp.settings.threshold = THRESHOLD;
  const language = NLP_LANGUAGE[locale];
  nlp.addLanguage(language);
  const table = UNDERSTANDING_TABLES[locale];
  for (const intent of INTENTS) {
    const { exact, start, anywhere } = table.intents[intent];
    // Symbol-only phrases ("?", "👍") are all stop words to NLP.js's tokenizer.
    for (const phrase of new Set([...exact, ...start, ...anywhere])) if (/\p{L}/u.test(phrase)) nlp.addDocument(language, phrase, intent);
  }
  for (const reply of loadCorpus(locale, 'tuning')) {
    const intent = labelIntent(expectedOf(reply).at(-1) ?? '');
    if (intent !== undefined) nlp.addDocument(language, ownWords(reply.text), intent);
  }
  // Off-topic messages as NLP.js's None class: otherwise its scores are shares among our intents only.
  for (const utterance of loadOffTopic(locale, 'training')) nlp.addDocument(language, utterance, 'None');
  // NLP.js warns on console for every training phrase its stop-word list swallows ("え", "りょ"): noise here.
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    await nlp.train();
  } finally {
    console.warn = warn;
  }
  return nlp;
}

/**
 * `understand()` with its intents replaced by NLP.js's best guess (none below the threshold); with
 * `fallback`, NLP.js is only asked when the message would otherwise be "not understood".
 */
function nlpReader(guesses: Map<string, Intent[]>, fallback = false): Reader {
  return (text, locale) => {
    const event = understand(text, { locale });
    const intents = guesses.get(`${event.writtenIn ?? locale}\u0000${text}`);
    if (intents === undefined) throw new Error(`no guess for ${text}`);
    // A language asked for is not an intent question; NLP.js is not asked there either.
    const tablesKnew = event.intents.length > 0 || event.url !== undefined || event.findings !== undefined || event.variant !== undefined;
    if (event.language !== undefined || (fallback && tablesKnew)) return event;
    return { ...event, intents };
  };
}

/** NLP.js answers asynchronously; the corpus harness is synchronous, so the guesses are made first. */
async function guessAll(models: Record<LocaleId, NlpInstance>): Promise<Map<string, Intent[]>> {
  const guesses = new Map<string, Intent[]>();
  for (const locale of LOCALES) {
    for (const part of ['tuning', 'holdout'] as const) {
      for (const reply of loadCorpus(locale, part)) {
        const conversation = reply.conversation ?? locale;
        const language = understand(reply.text, { locale: conversation }).writtenIn ?? conversation;
        const result = await models[language].process(NLP_LANGUAGE[language], ownWords(reply.text));
        const intent = result.score >= THRESHOLD ? labelIntent(result.intent) : undefined;
        guesses.set(`${language}\u0000${reply.text}`, intent ? [intent] : []);
      }
    }
    for (const text of loadOffTopic(locale, 'heldAside')) {
      const language = understand(text, { locale }).writtenIn ?? locale;
      const result = await models[language].process(NLP_LANGUAGE[language], ownWords(text));
      const intent = result.score >= THRESHOLD ? labelIntent(result.intent) : undefined;
      guesses.set(`${language}\u0000${text}`, intent ? [intent] : []);
    }
  }
  return guesses;
}

function row(name: string, outcomes: readonly Outcome[]): string {
  const cells = LOCALES.map(
    (locale) =>
      `${accuracy(outcomes.filter((o) => o.locale === locale))
        .toFixed(1)
        .padStart(6)}%`,
  );
  return `| ${name.padEnd(22)} | ${cells.join(' | ')} | ${accuracy(outcomes).toFixed(1).padStart(6)}% |`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const models = {} as Record<LocaleId, NlpInstance>;
  for (const locale of LOCALES) models[locale] = await trainNlp(locale);
  const trainedMs = performance.now() - started;
  const guesses = await guessAll(models);

  const matcher: Reader = (text, locale) => understand(text, { locale });
  const nlp = nlpReader(guesses);
  const hybrid = nlpReader(guesses, true);
  const header = `| ${'reader'.padEnd(22)} | ${LOCALES.map((l) => l.padStart(7)).join(' | ')} | ${'all'.padStart(7)} |`;
  console.log(header);
  console.log(`|${'-'.repeat(header.length - 2)}|`);
  for (const part of ['tuning', 'holdout'] as const) {
    console.log(row(`phrase tables, ${part}`, runCorpus(matcher, [part])));
    console.log(row(`NLP.js, ${part}`, runCorpus(nlp, [part])));
    console.log(row(`tables+NLP.js, ${part}`, runCorpus(hybrid, [part])));
  }
  // Off-topic messages held aside: a reader should find no intent in them ("didn't catch that" is right).
  const falseGuesses = (reader: Reader) => {
    const cells = LOCALES.map((locale) => {
      const texts = loadOffTopic(locale, 'heldAside');
      const wrong = texts.filter((text) => reader(text, locale).intents.length > 0).length;
      return `${wrong}/${texts.length}`.padStart(7);
    });
    return cells.join(' | ');
  };
  console.log(`| ${'off-topic, guessed'.padEnd(22)} | ${LOCALES.map((l) => l.padStart(7)).join(' | ')} |`);
  console.log(`| ${'phrase tables'.padEnd(22)} | ${falseGuesses(matcher)} |`);
  console.log(`| ${'NLP.js'.padEnd(22)} | ${falseGuesses(nlp)} |`);
  console.log(`| ${'tables+NLP.js'.padEnd(22)} | ${falseGuesses(hybrid)} |`);
  console.log(`\nNLP.js trained six languages in ${Math.round(trainedMs)} ms (threshold ${THRESHOLD}).`);
  const misses = runCorpus(nlp, ['holdout']).filter((o) => !o.ok);
  if (process.argv.includes('--misses')) {
    for (const o of misses) console.log(`  NLP.js [${o.locale}] ${JSON.stringify(o.reply.text)} -> ${o.got.join(',')}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
