/**
 * Reading providers' status feeds: Atlassian Statuspage's `api/v2/summary.json`, RSS 2.0 and Atom. The XML
 * is read by a linear scanner (`indexOf` walks that only move forward) rather than patterns: a feed is
 * text from a stranger, and no input can make the reader backtrack. What comes out is the provider's own
 * words, trimmed and capped; callers quote them as given (each renderer escapes for its channel).
 */
import { z } from 'zod';
import { INCIDENT_LIMITS } from '../contracts';

/** One open incident or maintenance a feed reports. */
export interface FeedItem {
  title: string;
  /** ISO 8601, when the feed says. */
  since?: string;
}

/** Items at most taken from one feed (a reply quotes a few lines, not a history). */
export const MAX_FEED_ITEMS = 3;
/** RSS and Atom entries newer than this and not marked resolved count as open (the formats carry no status). */
export const FEED_ITEM_MAX_AGE_MS = 24 * 60 * 60 * 1000;

const OPEN_INCIDENT = (status: string): boolean => !['resolved', 'postmortem', 'completed'].includes(status);

const statuspageSchema = z.object({
  incidents: z
    .array(z.object({ name: z.string(), status: z.string(), started_at: z.string().nullish(), created_at: z.string().nullish() }).loose())
    .optional(),
  scheduled_maintenances: z
    .array(
      z.object({ name: z.string(), status: z.string(), started_at: z.string().nullish(), scheduled_for: z.string().nullish() }).loose(),
    )
    .optional(),
});

/** Reads a feed's body, whichever of the three formats it is; an empty list for anything unreadable. */
export function parseFeed(body: string, { now = Date.now() }: { now?: number } = {}): FeedItem[] {
  const start = body.trimStart();
  return (start.startsWith('{') ? parseStatuspage(start) : parseXmlFeed(start, now)).slice(0, MAX_FEED_ITEMS);
}

/** Statuspage: unresolved incidents, then maintenance in progress. */
export function parseStatuspage(body: string): FeedItem[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return [];
  }
  const parsed = statuspageSchema.safeParse(json);
  if (!parsed.success) return [];
  const incidents = (parsed.data.incidents ?? [])
    .filter((i) => OPEN_INCIDENT(i.status))
    .map((i) => item(i.name, i.started_at ?? i.created_at ?? undefined));
  const maintenance = (parsed.data.scheduled_maintenances ?? [])
    .filter((m) => m.status === 'in_progress')
    .map((m) => item(m.name, m.started_at ?? m.scheduled_for ?? undefined));
  return [...incidents, ...maintenance].filter((i): i is FeedItem => i !== undefined);
}

/** RSS `<item>`s or Atom `<entry>`s that are recent and not marked resolved. */
export function parseXmlFeed(xml: string, now: number): FeedItem[] {
  const atom = elementBodies(xml, 'entry');
  const entries = atom.length > 0 ? atom : elementBodies(xml, 'item');
  const items: FeedItem[] = [];
  for (const entry of entries) {
    const title = textOf(firstElement(entry, 'title'));
    const description = textOf(firstElement(entry, 'description') ?? firstElement(entry, 'summary') ?? firstElement(entry, 'content'));
    const date = textOf(firstElement(entry, 'pubDate') ?? firstElement(entry, 'published') ?? firstElement(entry, 'updated'));
    const at = date ? Date.parse(date) : Number.NaN;
    // Without a date or once a day old, an entry is history rather than news.
    if (Number.isNaN(at) || at < now - FEED_ITEM_MAX_AGE_MS || at > now + FEED_ITEM_MAX_AGE_MS) continue;
    if (marksResolved(title) || marksResolved(description)) continue;
    const found = item(title, new Date(at).toISOString());
    if (found) items.push(found);
    if (items.length >= MAX_FEED_ITEMS) break;
  }
  return items;
}

function item(title: string | undefined, since: string | undefined): FeedItem | undefined {
  const clean = collapse(title ?? '');
  if (clean === '') return undefined;
  const at = since ? Date.parse(since) : Number.NaN;
  return {
    title: clean.length > INCIDENT_LIMITS.title ? `${clean.slice(0, INCIDENT_LIMITS.title - 1)}…` : clean,
    ...(Number.isNaN(at) ? {} : { since: new Date(at).toISOString() }),
  };
}

/** Providers write "Resolved" (or "[RESOLVED]", "Resolved:") in the title or the latest update. */
function marksResolved(text: string | undefined): boolean {
  const lower = (text ?? '').toLowerCase();
  return lower.startsWith('resolved') || lower.startsWith('[resolved]') || lower.includes('this incident has been resolved');
}

/** The bodies of every `<name ...>...</name>` (not `<names>`, not `<name/>`), in order; nested same-name elements are not expected. */
export function elementBodies(xml: string, name: string): string[] {
  const bodies: string[] = [];
  const open = `<${name}`;
  const close = `</${name}>`;
  let from = 0;
  while (from < xml.length) {
    const start = xml.indexOf(open, from);
    if (start < 0) break;
    const after = xml.charAt(start + open.length);
    // The name must end here (`<item>` or `<item attr>`), checked before looking for `>` so that a run of
    // `<itemX` cannot make every step scan to the end of the text.
    if (!(after === '>' || after === ' ' || after === '\t' || after === '\n' || after === '\r')) {
      from = start + open.length;
      continue;
    }
    const tagEnd = xml.indexOf('>', start + open.length);
    if (tagEnd < 0) break;
    if (xml.charAt(tagEnd - 1) === '/') {
      from = tagEnd + 1;
      continue;
    }
    const end = xml.indexOf(close, tagEnd + 1);
    if (end < 0) break;
    bodies.push(xml.slice(tagEnd + 1, end));
    from = end + close.length;
  }
  return bodies;
}

function firstElement(xml: string, name: string): string | undefined {
  return elementBodies(xml, name)[0];
}

/** An element's text: CDATA as is, otherwise entities decoded; markup inside removed; whitespace collapsed. */
export function textOf(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  const raw = body.trim();
  const cdataStart = '<![CDATA[';
  const text = raw.startsWith(cdataStart) && raw.endsWith(']]>') ? raw.slice(cdataStart.length, -3) : decodeEntities(withoutTags(raw));
  // Descriptions are often escaped HTML: once decoded, their tags go too.
  return collapse(withoutTags(text));
}

/** Removes `<...>` markup in one forward pass. */
function withoutTags(text: string): string {
  let out = '';
  let from = 0;
  while (from < text.length) {
    const open = text.indexOf('<', from);
    if (open < 0) {
      out += text.slice(from);
      break;
    }
    out += text.slice(from, open);
    const close = text.indexOf('>', open + 1);
    if (close < 0) break;
    out += ' ';
    from = close + 1;
  }
  return out;
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** `&amp;`, `&#8217;`, `&#x2019;`; an unknown or broken entity is kept as written. */
function decodeEntities(text: string): string {
  let out = '';
  let from = 0;
  while (from < text.length) {
    const amp = text.indexOf('&', from);
    if (amp < 0) {
      out += text.slice(from);
      break;
    }
    out += text.slice(from, amp);
    // Entities are short: look for the ';' only a few characters ahead, so a run of '&' stays linear.
    const semiAhead = text.slice(amp + 1, amp + 12).indexOf(';');
    const semi = semiAhead < 0 ? -1 : amp + 1 + semiAhead;
    const name = semi > amp ? text.slice(amp + 1, semi) : undefined;
    const decoded = name === undefined ? undefined : decodeEntity(name);
    if (decoded === undefined) {
      out += '&';
      from = amp + 1;
    } else {
      out += decoded;
      from = semi + 1;
    }
  }
  return out;
}

function decodeEntity(name: string): string | undefined {
  if (name.startsWith('#')) {
    const code = name.startsWith('#x') || name.startsWith('#X') ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
  }
  return NAMED_ENTITIES[name];
}

/** Whitespace runs (and control characters) to one space, without a pattern. */
function collapse(text: string): string {
  let out = '';
  let space = false;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x20 || code === 0x7f || code === 0xa0) {
      space = out.length > 0;
      continue;
    }
    if (space) out += ' ';
    out += char;
    space = false;
  }
  return out;
}
