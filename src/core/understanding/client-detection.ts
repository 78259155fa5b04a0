/** The browser and system a person names in a message, or that web chat's user agent reveals. */
import { LOCALES, MAX_USER_AGENT_CHARS, type LocaleId } from '../../contracts';
import { BROWSERS, OPERATING_SYSTEMS } from '../../../dialogs/types';
import type { BrowserId, OsId } from '../../../dialogs/types';
import { BROWSER_RULES, CLIENT_PHRASES, OS_RULES } from './client-tables';
import type { ClientPhrase, UserAgentRule } from './client-tables';
import { PhraseIndex, longestWins } from './phrase-matcher';
import type { PreparedText } from './phrase-matcher';
import type { UnderstandingTable } from './understanding-table';

/** What the client is, as far as we can tell. */
export interface ClientGuess {
  browser?: BrowserId;
  os?: OsId;
}

/** Client phrases (shared brand names and every table's local spellings), indexed. */
export type ClientIndex = PhraseIndex<ClientPhrase>;

/** Indexes the shared brand names and every table's local spellings. */
export function compileClientPhrases(tables: Readonly<Record<LocaleId, UnderstandingTable>>): ClientIndex {
  const all: ClientPhrase[] = [...CLIENT_PHRASES];
  for (const locale of LOCALES) {
    const { browsers, os } = tables[locale].clients;
    for (const browser of BROWSERS) for (const phrase of browsers[browser] ?? []) all.push({ phrase, browser });
    for (const system of OPERATING_SYSTEMS) for (const phrase of os[system] ?? []) all.push({ phrase, os: system });
  }
  return new PhraseIndex(all.map((entry) => ({ phrase: entry.phrase, mode: 'anywhere' as const, value: entry })));
}

/**
 * Browser and system named in a message. Overlaps go to the longest name, so "chrome os" is a system
 * and not a browser, and "samsung internet" a browser and not just a phone; otherwise the first wins.
 */
export function detectClientInText(index: ClientIndex, text: PreparedText): ClientGuess {
  const kept = longestWins(index.find(text)).sort((a, b) => a.start - b.start);
  const guess: ClientGuess = {};
  for (const { value } of kept) {
    if (guess.browser === undefined && value.browser !== undefined) guess.browser = value.browser;
    if (guess.os === undefined && value.os !== undefined) guess.os = value.os;
  }
  return guess;
}

function firstRule<T>(rules: ReadonlyArray<UserAgentRule<T>>, userAgent: string): T | undefined {
  const rule = rules.find(({ pattern }) => pattern.test(userAgent));
  return rule?.value ?? undefined;
}

/** Browser and system from a user-agent string (web chat). Brave cannot be told from Chrome this way. */
export function detectClient(userAgent: string): ClientGuess {
  if (typeof userAgent !== 'string' || userAgent === '') return {};
  // Real agents are a few hundred characters; a longer header is junk and not worth scanning whole.
  const agent = userAgent.slice(0, MAX_USER_AGENT_CHARS);
  const guess: ClientGuess = {};
  const browser = firstRule(BROWSER_RULES, agent);
  const os = firstRule(OS_RULES, agent);
  if (browser !== undefined) guess.browser = browser;
  if (os !== undefined) guess.os = os;
  return guess;
}
