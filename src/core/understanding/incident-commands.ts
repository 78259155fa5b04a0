/**
 * The help desk's chat commands ("declare an incident on shop.example.com: checkout paused, back in 30 min",
 * "resolve the incident on shop.example.com"), in the six languages. Who may run them is the bot's
 * business (ADMIN_USERS); this module only reads the words. Phrases are data in a typed table, matched as
 * plain substrings; the host comes from the same URL extraction as every message; no pattern is compiled.
 */
import type { LocaleId } from '../../contracts';
import { normaliseText } from './normalise';
import { extractUrl } from './url-extraction';

/** What a command asks for. `host` is absent when the words name none; `title` when no text follows the host. */
export interface IncidentCommand {
  action: 'declare' | 'resolve';
  host?: string;
  title?: string;
  message?: string;
  etaMinutes?: number;
}

interface CommandPhrases {
  declare: readonly string[];
  resolve: readonly string[];
  /** Words for minutes after a number ("30 min", "30 Minuten", "30分"). */
  minutes: readonly string[];
}

/** The phrases per language, lower-case; a message in any language is read with all of them. */
export const INCIDENT_COMMAND_PHRASES: Record<LocaleId, CommandPhrases> = {
  en: {
    declare: ['declare an incident', 'declare incident', 'declare a maintenance', 'declare maintenance', 'open an incident'],
    resolve: ['resolve the incident', 'resolve incident', 'close the incident', 'end the incident', 'end the maintenance'],
    minutes: ['minutes', 'minute', 'mins', 'min'],
  },
  es: {
    declare: ['declara un incidente', 'declarar un incidente', 'declara una incidencia', 'abre un incidente', 'abre una incidencia'],
    resolve: ['resuelve el incidente', 'resolver el incidente', 'resuelve la incidencia', 'cierra el incidente', 'cierra la incidencia'],
    minutes: ['minutos', 'minuto', 'min'],
  },
  fr: {
    declare: ['déclare un incident', 'déclarer un incident', 'ouvre un incident', 'ouvrir un incident'],
    resolve: ["résous l'incident", "résoudre l'incident", "clos l'incident", "ferme l'incident", "clôture l'incident"],
    minutes: ['minutes', 'minute', 'min'],
  },
  de: {
    declare: ['melde eine störung', 'störung melden', 'störung anlegen', 'lege eine störung an', 'erstelle eine störung'],
    resolve: ['störung beheben', 'störung schließen', 'schließe die störung', 'beende die störung', 'störung ist behoben'],
    minutes: ['minuten', 'minute', 'min'],
  },
  'pt-BR': {
    declare: ['declare um incidente', 'declarar um incidente', 'abra um incidente', 'abrir um incidente'],
    resolve: ['resolva o incidente', 'resolver o incidente', 'feche o incidente', 'encerre o incidente'],
    minutes: ['minutos', 'minuto', 'min'],
  },
  ja: {
    declare: ['障害を宣言', '障害を登録', 'インシデントを宣言', 'インシデントを登録'],
    resolve: ['障害を解決', '障害を解除', '障害を終了', 'インシデントを解決', 'インシデントを終了'],
    minutes: ['分'],
  },
};

const ALL = Object.values(INCIDENT_COMMAND_PHRASES);
/** Separators between the host and the incident's text. */
const COLONS = [':', '：'];
/** Where the title ends inside that text. */
const TITLE_ENDS = [',', '.', '、', '。', ';', '\n'];

/** Reads a command, or undefined when the message is not one. */
export function parseIncidentCommand(input: string): IncidentCommand | undefined {
  const text = normaliseText(input, 4000);
  const lower = text.toLowerCase();
  // Resolve first: "close the incident" must not read as opening one.
  const action = ALL.some((p) => p.resolve.some((phrase) => lower.includes(phrase)))
    ? 'resolve'
    : ALL.some((p) => p.declare.some((phrase) => lower.includes(phrase)))
      ? 'declare'
      : undefined;
  if (!action) return undefined;
  const url = extractUrl(text);
  const host = url ? hostOf(url) : undefined;
  const colon = firstIndexOf(text, COLONS, host ? Math.max(0, lower.indexOf(host)) : 0);
  const rest = colon >= 0 ? text.slice(colon + 1).trim() : '';
  if (rest === '') return { action, ...(host ? { host } : {}) };
  const titleEnd = firstIndexOf(rest, TITLE_ENDS, 0);
  const title = (titleEnd >= 0 ? rest.slice(0, titleEnd) : rest).trim();
  const etaMinutes = minutesIn(rest.toLowerCase());
  return {
    action,
    ...(host ? { host } : {}),
    ...(title ? { title } : {}),
    message: rest,
    ...(etaMinutes !== undefined ? { etaMinutes } : {}),
  };
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}

function firstIndexOf(text: string, needles: readonly string[], from: number): number {
  let best = -1;
  for (const needle of needles) {
    const at = text.indexOf(needle, from);
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  return best;
}

/** The first number followed by a word for minutes ("30 min", "30分"), scanned once from left to right. */
function minutesIn(lower: string): number | undefined {
  let i = 0;
  while (i < lower.length) {
    const code = lower.charCodeAt(i);
    if (code < 48 || code > 57) {
      i += 1;
      continue;
    }
    let end = i;
    while (end < lower.length && end - i < 6 && lower.charCodeAt(end) >= 48 && lower.charCodeAt(end) <= 57) end += 1;
    const value = Number(lower.slice(i, end));
    let after = end;
    if (lower.charAt(after) === ' ') after += 1;
    const unit = lower.slice(after, after + 8);
    if (ALL.some((p) => p.minutes.some((word) => unit.startsWith(word)))) return value;
    i = end;
  }
  return undefined;
}
