/**
 * Neutral replies -> Slack Block Kit. Pure: no I/O, no clock. Everything that ends up in mrkdwn is escaped
 * (`&`, `<`, `>`), so text a person typed can never become a `<!channel>` ping, a user mention or a disguised
 * link, and every Block Kit size limit is enforced here rather than discovered as an `invalid_blocks` error.
 */
import type { ActionsBlock, Button, KnownBlock, MrkdwnElement, SectionBlock } from '@slack/web-api';
import type { Choice, Fact, Reply } from '../../../dialogs/types';
import { resolveVars, translateWith } from './plain-text';
import type { Translate } from '../../contracts';
import { actionValue, type ActionValue } from './types';

/**
 * Values go into the translation untouched: the whole rendered string is escaped afterwards, which covers
 * them together with any stray character in a translation.
 */
const RAW = (value: string): string => value;

/** Slack's documented Block Kit limits that this renderer enforces. */
export const BLOCK_KIT_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  fieldText: 2000,
  fieldsPerSection: 10,
  elementsPerActions: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
} as const;

/** What `chat.postMessage` needs: the blocks and the plain fallback used in notifications. */
export interface BlockKitMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Prefix of every action id this bot renders; the Slack routes only act on clicks carrying it. */
export const ACTION_ID_PREFIX = 'gd_';

const ELLIPSIS = '…';
const ZERO_WIDTH_SPACE = '\u200b';

/** Escapes Slack's three control characters so text shows literally and cannot form links or mentions. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Shortens already-escaped mrkdwn to `max` UTF-16 units (never fewer characters than Slack counts), ending in
 * an ellipsis. It never cuts inside an entity such as `&amp;` or between the two halves of a surrogate pair.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - ELLIPSIS.length));
  const amp = cut.lastIndexOf('&');
  if (amp !== -1 && !cut.includes(';', amp)) cut = cut.slice(0, amp);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut + ELLIPSIS;
}

/** Options of `renderBlockKit`. */
export interface BlockKitOptions {
  /** The conversation's state when the message is sent: each button's value carries it back (see ActionValue). */
  state?: string;
}

/** Renders a reply for Slack: its text as mrkdwn, facts as fields, a draft as a code block, choices as buttons. */
export function renderBlockKit(reply: Reply, t: Translate, { state }: BlockKitOptions = {}): BlockKitMessage {
  const text = truncateMrkdwn(escapeMrkdwn(translateWith(t, reply.key, resolveVars(reply, t, RAW))), BLOCK_KIT_LIMITS.sectionText);
  const head: KnownBlock[] = [section(text)];
  const tail: KnownBlock[] = [];
  if (reply.draft) {
    const draft = translateWith(t, reply.draft.key, resolveVars(reply.draft, t, RAW));
    tail.push(section(codeBlock(draft)));
  }
  const actions = reply.choices?.length ? actionsBlock(reply.choices, t, state) : undefined;
  if (actions) tail.push(actions);

  const roomForFacts = BLOCK_KIT_LIMITS.blocksPerMessage - head.length - tail.length;
  const facts = factSections(reply.facts ?? [], t).slice(0, roomForFacts);
  return { text, blocks: [...head, ...facts, ...tail] };
}

function section(text: string): SectionBlock {
  return { type: 'section', text: mrkdwn(text) };
}

function mrkdwn(text: string): MrkdwnElement {
  // verbatim: Slack must not auto-link channel names or user names we did not write as links.
  return { type: 'mrkdwn', text, verbatim: true };
}

/** A copyable code block; a fence inside the draft is broken up so it cannot close the block early. */
function codeBlock(raw: string): string {
  const fence = '```';
  let body = escapeMrkdwn(raw).replace(/`(?=``)/g, `\`${ZERO_WIDTH_SPACE}`);
  if (body.endsWith('`')) body += ZERO_WIDTH_SPACE;
  if (body.startsWith('`')) body = ZERO_WIDTH_SPACE + body;
  return fence + truncateMrkdwn(body, BLOCK_KIT_LIMITS.sectionText - 2 * fence.length) + fence;
}

function factSections(facts: Fact[], t: Translate): SectionBlock[] {
  const sections: SectionBlock[] = [];
  for (let i = 0; i < facts.length; i += BLOCK_KIT_LIMITS.fieldsPerSection) {
    const fields = facts.slice(i, i + BLOCK_KIT_LIMITS.fieldsPerSection).map((fact) => {
      const field = `*${escapeMrkdwn(t(fact.labelKey))}*\n${escapeMrkdwn(fact.value)}`;
      return mrkdwn(truncateMrkdwn(field, BLOCK_KIT_LIMITS.fieldText));
    });
    sections.push({ type: 'section', fields });
  }
  return sections;
}

function actionsBlock(choices: Choice[], t: Translate, state: string | undefined): ActionsBlock | undefined {
  const seen = new Set<string>();
  const elements: Button[] = [];
  for (const choice of choices) {
    // action_id must be unique within the message; a repeated intent adds nothing a person could choose.
    if (seen.has(choice.intent) || elements.length === BLOCK_KIT_LIMITS.elementsPerActions) continue;
    seen.add(choice.intent);
    elements.push(button(choice, t, state));
  }
  return elements.length ? { type: 'actions', elements } : undefined;
}

function button(choice: Choice, t: Translate, state: string | undefined): Button {
  const value: ActionValue = actionValue(choice.intent, state);
  const label = t(choice.labelKey);
  return {
    type: 'button',
    // plain_text is never parsed for mentions or links, so the label needs a length cap, not escaping.
    text: { type: 'plain_text', text: label.length > BLOCK_KIT_LIMITS.buttonText ? truncatePlain(label) : label, emoji: true },
    action_id: `${ACTION_ID_PREFIX}${choice.intent}`.slice(0, BLOCK_KIT_LIMITS.actionId),
    value: JSON.stringify(value),
    ...(choice.intent === 'yes' ? { style: 'primary' as const } : {}),
  };
}

function truncatePlain(text: string): string {
  let cut = text.slice(0, BLOCK_KIT_LIMITS.buttonText - ELLIPSIS.length);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut + ELLIPSIS;
}
