/**
 * Neutral replies as Adaptive Cards (schema 1.5), for Teams and for web chat. Pure: the same reply and
 * translator always give the same card.
 */
import { CardFactory, type Attachment } from 'botbuilder';
import type { TranslationKey } from '../../../dialogs/translation-keys';
import type { Reply } from '../../../dialogs/types';
import {
  DRAFT_CAPTION_KEY,
  plainDraftText,
  plainReplyText,
  renderPlainText,
  resolveVars,
  stripUnsafeChars,
  translateWith,
} from './plain-text';
import type { Translate } from '../../contracts';
import { actionValue, type ActionValue } from './types';

export const ADAPTIVE_CARD_VERSION = '1.5';

export interface AdaptiveCardOptions {
  /** BCP 47 tag of the card's language (the card's `lang`, which hosts use for dates and speech). */
  locale?: string;
  /**
   * The intent already clicked: renders the card without buttons and with the chosen answer under it,
   * for replacing a card in place (Teams `updateActivity`) so old buttons cannot be clicked twice.
   */
  answeredIntent?: string;
  /** Renders the card without buttons and without an answer: an earlier card whose press was not taken as one. */
  retired?: boolean;
  /** The conversation's state when the card is sent: each button carries it back, so a later press is recognised as one on an old card. */
  state?: string;
  /**
   * Adds an "email it" action under a draft: a `mailto:` link with the subject and body filled in and no
   * recipient (the person knows whom to write). On for web chat, whose client adds a Copy button beside it.
   */
  draftEmail?: boolean;
}

interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap: true;
  fontType?: 'Monospace';
  isSubtle?: boolean;
  size?: 'Small';
  weight?: 'Bolder';
  spacing?: 'Small' | 'Medium';
}
interface FactSet {
  type: 'FactSet';
  facts: { title: string; value: string }[];
}
interface Container {
  type: 'Container';
  style: 'emphasis';
  items: TextBlock[];
}
type CardElement = TextBlock | FactSet | Container;

/** What a button posts: `gatewayDoctor` for every client, `msteams` read by Teams only. */
interface SubmitData extends ActionValue {
  msteams: { type: 'messageBack'; displayText: string; text: string; value: ActionValue };
}
interface SubmitAction {
  type: 'Action.Submit';
  title: string;
  data: SubmitData;
}
interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}

/** The card JSON (the `content` of the attachment). */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  lang?: string;
  speak: string;
  fallbackText: string;
  body: CardElement[];
  actions?: (SubmitAction | OpenUrlAction)[];
  msteams: { width: 'Full' };
}

/**
 * Renders a reply as an Adaptive Card attachment: the sentence as a wrapping TextBlock, facts as a
 * FactSet, a draft as a monospace block under a caption, choices as Action.Submit buttons.
 */
export function renderAdaptiveCard(reply: Reply, t: Translate, options: AdaptiveCardOptions = {}): Attachment {
  const text = translateWith(t, reply.key, resolveVars(reply, t, escapeMarkdown));
  const body: CardElement[] = [{ type: 'TextBlock', text, wrap: true }];

  if (reply.facts?.length) {
    body.push({
      type: 'FactSet',
      facts: reply.facts.map((fact) => ({ title: t(fact.labelKey), value: escapeMarkdown(fact.value) })),
    });
  }

  const draftText = plainDraftText(reply, t);
  if (draftText !== undefined) {
    // The draft is meant to be copied as written, so all of it is escaped (not only its vars): list
    // markers, asterisks or underscores in our own wording must not turn into formatting either.
    body.push({
      type: 'Container',
      style: 'emphasis',
      items: [
        { type: 'TextBlock', text: t(DRAFT_CAPTION_KEY), wrap: true, size: 'Small', weight: 'Bolder' },
        { type: 'TextBlock', text: markdownLines(draftText), wrap: true, fontType: 'Monospace', spacing: 'Small' },
      ],
    });
  }

  const card: AdaptiveCard = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: ADAPTIVE_CARD_VERSION,
    ...(options.locale ? { lang: options.locale } : {}),
    // `speak` is read as SSML by speech-enabled clients: escape XML so a host name cannot add markup.
    speak: escapeXml(plainReplyText(reply, t)),
    fallbackText: renderPlainText(reply, t),
    body,
    msteams: { width: 'Full' },
  };

  const choices = reply.choices ?? [];
  if (options.answeredIntent !== undefined || options.retired) {
    const chosen = choices.find((choice) => options.answeredIntent !== undefined && choice.intent === options.answeredIntent);
    if (chosen) {
      body.push({ type: 'TextBlock', text: `✓ ${escapeMarkdown(t(chosen.labelKey))}`, wrap: true, isSubtle: true, spacing: 'Medium' });
    }
  } else if (choices.length > 0) {
    card.actions = choices.map((choice) => submitAction(t(choice.labelKey), actionValue(choice.intent, options.state)));
  }
  if (options.draftEmail && draftText !== undefined) {
    const host = hostOf(String(reply.draft?.vars?.url ?? ''));
    const subject = t('widget.draftSubject' satisfies TranslationKey, { host });
    // First, beside the draft it sends; the conversation's own choices follow.
    card.actions = [
      { type: 'Action.OpenUrl', title: t('widget.email' satisfies TranslationKey), url: mailtoUrl(subject, draftText) },
      ...(card.actions ?? []),
    ];
  }

  return CardFactory.adaptiveCard(card);
}

/** A `mailto:` URL with no recipient (RFC 6068: line breaks as CRLF, everything percent-encoded). */
export function mailtoUrl(subject: string, body: string): string {
  const crlf = stripUnsafeChars(body).split(/\r?\n/).join('\r\n');
  return `mailto:?subject=${encodeURIComponent(stripUnsafeChars(subject))}&body=${encodeURIComponent(crlf)}`;
}

/** The host of the draft's address for the subject line; the address itself when it does not parse. */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname || url;
  } catch {
    return url;
  }
}

/**
 * One button. Web chat posts `data` as the activity's `value` and ignores `msteams`, so the intent sits at
 * the top level of `data`. In Teams a bare Action.Submit leaves no trace in the conversation; a
 * `messageBack` echoes `displayText` as the user's own message (the transcript then reads like a dialogue,
 * also for screen readers), sends `text` (the label, so a bot reading only text still understands it in
 * the user's language) and sends `msteams.value` as the activity's `value`. That value repeats the intent,
 * so `value.gatewayDoctor.intent` is there whichever way a client builds the activity. imBack is not used:
 * it would send only the label, which is ambiguous across languages.
 */
function submitAction(title: string, value: ActionValue): SubmitAction {
  return {
    type: 'Action.Submit',
    title,
    data: { ...value, msteams: { type: 'messageBack', displayText: title, text: title, value } },
  };
}

// Characters that start emphasis, code, strike-through, links or raw HTML in the markdown subset that
// Adaptive Card TextBlocks (and FactSet values in Teams) interpret. Backslash escapes are honoured by the
// shared renderers; the backslash itself is escaped first so a value cannot cancel our escapes.
const INLINE_MARKDOWN = /[\\`*_~[\]()<>]/g;
// Constructs that only count at the start of a line: headings, list items, quotes, "1." lists.
const LINE_START_MARKDOWN = /^(\s*)([#+-](?=\s|$)|>|\d+[.)](?=\s|$))/;

/**
 * Makes a user-influenced value display literally in a TextBlock: escapes markdown, removes control and
 * bidi characters, and folds line breaks into spaces (a value is one line inside our sentence). A bare
 * URL may still be linked by the host, which shows its real address; masked links `[text](url)` cannot form.
 */
export function escapeMarkdown(value: string): string {
  const oneLine = stripUnsafeChars(value).replace(/[\r\n\t]+/g, ' ');
  return escapeLineStart(oneLine.replace(INLINE_MARKDOWN, '\\$&'));
}

function escapeLineStart(line: string): string {
  return line.replace(LINE_START_MARKDOWN, (_match, space: string, marker: string) => `${space}${marker.replace(/[#>+\-.)]/, '\\$&')}`);
}

/**
 * Multi-line text for a TextBlock: every line escaped, and lines separated by a blank line because
 * TextBlock markdown joins single line breaks into one paragraph.
 */
function markdownLines(text: string): string {
  return stripUnsafeChars(text)
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => escapeLineStart(line.replace(/\t/g, ' ').replace(INLINE_MARKDOWN, '\\$&')))
    .join('\n\n');
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
