import type { Reply } from '../../../dialogs/types';
import { escapeMarkdown, renderAdaptiveCard, type AdaptiveCard } from '../../../src/channels/render/adaptive-card';
import { DRAFT_CAPTION_KEY, renderPlainText } from '../../../src/channels/render/plain-text';
import type { Translate } from '../../../src/contracts';

const fakeT: Translate = (key, vars) => key + (vars ? JSON.stringify(vars) : '');

function cardOf(reply: Reply, t: Translate = fakeT, options = {}): AdaptiveCard {
  const attachment = renderAdaptiveCard(reply, t, options);
  expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
  return attachment.content as AdaptiveCard;
}

type CardAction = NonNullable<AdaptiveCard['actions']>[number];
const isSubmit = (action: CardAction): action is Extract<CardAction, { type: 'Action.Submit' }> => action.type === 'Action.Submit';

const fullReply: Reply = {
  key: 'verdict.down',
  vars: { host: 'shop.example', status: 502 },
  facts: [
    { labelKey: 'fact.status', value: '502' },
    { labelKey: 'fact.producer', value: 'nginx' },
  ],
  draft: { key: 'draft.toSite', vars: { host: 'shop.example' } },
  choices: [
    { intent: 'watch', labelKey: 'choice.watch' },
    { intent: 'recheck', labelKey: 'choice.recheck' },
  ],
};

describe('renderAdaptiveCard', () => {
  it('builds a 1.5 card: text block, fact set, draft container, then submit actions', () => {
    const card = cardOf(fullReply, fakeT, { locale: 'de' });
    expect(card.type).toBe('AdaptiveCard');
    expect(card.version).toBe('1.5');
    expect(card.lang).toBe('de');
    expect(card.body.map((element) => element.type)).toEqual(['TextBlock', 'FactSet', 'Container']);
    expect(card.body[0]).toEqual({ type: 'TextBlock', text: 'verdict.down{"host":"shop.example","status":502}', wrap: true });
    expect(card.body[1]).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'fact.status', value: '502' },
        { title: 'fact.producer', value: 'nginx' },
      ],
    });
  });

  it('puts the draft in a monospace, wrapping TextBlock under a caption', () => {
    const container = cardOf(fullReply).body[2];
    if (container?.type !== 'Container') throw new Error('expected the draft container');
    expect(container.items[0]).toMatchObject({ type: 'TextBlock', text: DRAFT_CAPTION_KEY });
    expect(container.items[1]).toMatchObject({ type: 'TextBlock', fontType: 'Monospace', wrap: true });
    expect(container.items[1]?.text).toBe('draft.toSite{"host":"shop.example"}');
  });

  it('gives every button the intent in data.gatewayDoctor and in the Teams messageBack value', () => {
    const actions = (cardOf(fullReply).actions ?? []).filter(isSubmit);
    expect(actions).toHaveLength(2);
    expect(actions[0]).toEqual({
      type: 'Action.Submit',
      title: 'choice.watch',
      data: {
        gatewayDoctor: { intent: 'watch' },
        msteams: {
          type: 'messageBack',
          displayText: 'choice.watch',
          text: 'choice.watch',
          value: { gatewayDoctor: { intent: 'watch' } },
        },
      },
    });
    expect(actions[1]?.data.gatewayDoctor).toEqual({ intent: 'recheck' });
  });

  it('has no actions and no fact set when the reply has neither', () => {
    const card = cardOf({ key: 'greeting.hello' });
    expect(card.body).toEqual([{ type: 'TextBlock', text: 'greeting.hello', wrap: true }]);
    expect(card.actions).toBeUndefined();
  });

  it('carries the plain-text rendering as fallbackText and the sentence as speak', () => {
    const card = cardOf(fullReply);
    expect(card.fallbackText).toBe(renderPlainText(fullReply, fakeT));
    expect(card.speak).toBe('verdict.down{&#34;host&#34;:&#34;shop.example&#34;,&#34;status&#34;:502}');
  });

  it('escapes markdown in vars so a host name cannot become a link or formatting', () => {
    const reply: Reply = { key: 'checked', vars: { host: '[click me](https://evil.example) **now** _x_ `code`' } };
    const text = cardOf(reply, (key, vars) => `${key}: ${String(vars?.host)}`).body[0];
    if (text?.type !== 'TextBlock') throw new Error('expected a TextBlock');
    expect(text.text).toBe('checked: \\[click me\\]\\(https://evil.example\\) \\*\\*now\\*\\* \\_x\\_ \\`code\\`');
    expect(text.text).not.toMatch(/(^|[^\\])\[/);
  });

  it('escapes fact values and folds their line breaks', () => {
    const reply: Reply = { key: 'facts', facts: [{ labelKey: 'fact.server', value: '# big\n- item <b>' }] };
    const factSet = cardOf(reply).body[1];
    if (factSet?.type !== 'FactSet') throw new Error('expected a FactSet');
    expect(factSet.facts[0]?.value).toBe('\\# big - item \\<b\\>');
  });

  it('escapes the whole draft, line by line, so it displays exactly as it will be sent', () => {
    const t: Translate = (key, vars) => (key === 'draft.multi' ? `Hello,\n- your site *fails*\n1. since ${String(vars?.when)}` : key);
    const reply: Reply = { key: 'intro', draft: { key: 'draft.multi', vars: { when: '[today](https://x.example)' } } };
    const container = cardOf(reply, t).body[1];
    if (container?.type !== 'Container') throw new Error('expected the draft container');
    expect(container.items[1]?.text).toBe('Hello,\n\n\\- your site \\*fails\\*\n\n1\\. since \\[today\\]\\(https://x.example\\)');
  });

  it('renders shortcut keys joined with "+" in the card text', () => {
    const t: Translate = (key, vars) => (key === 'key.ctrl' ? 'Strg' : key + (vars ? JSON.stringify(vars) : ''));
    const card = cardOf({ key: 'step.hardRefresh', keys: { shortcut: ['ctrl', 'F5'] } }, t);
    expect(card.body[0]).toMatchObject({ text: 'step.hardRefresh{"shortcut":"Strg+F5"}' });
  });

  it('replaces the buttons with the chosen answer when rendered as answered', () => {
    const card = cardOf(fullReply, fakeT, { answeredIntent: 'recheck' });
    expect(card.actions).toBeUndefined();
    expect(card.body.at(-1)).toMatchObject({ type: 'TextBlock', text: '✓ choice.recheck', isSubtle: true });
  });

  it('retires an earlier card without buttons and without marking an answer it did not give', () => {
    const card = cardOf(fullReply, fakeT, { retired: true });
    expect(card.actions).toBeUndefined();
    expect(JSON.stringify(card.body)).not.toContain('✓');
  });

  it('puts the state of the message in every button, for web chat and for Teams', () => {
    const card = cardOf(fullReply, fakeT, { state: 'user.down' });
    for (const action of (card.actions ?? []).filter(isSubmit)) {
      expect(action.data.gatewayDoctor.state).toBe('user.down');
      expect(action.data.msteams.value.gatewayDoctor.state).toBe('user.down');
    }
  });
});

describe('the draft as an email (web chat)', () => {
  const t: Translate = (key, vars) =>
    key === 'draft.toSite' ? `Hello,\n\nI get a 502 on ${String(vars?.url)}.\nThanks & bye` : key + (vars ? JSON.stringify(vars) : '');
  const reply: Reply = { key: 'intro', draft: { key: 'draft.toSite', vars: { url: 'https://shop.example/checkout?a=1' } } };

  it('adds a mailto: action with subject and body and no recipient, before the buttons', () => {
    const card = cardOf({ ...reply, choices: fullReply.choices }, t, { draftEmail: true });
    const last = card.actions?.[0];
    expect(card.actions).toHaveLength(3);
    expect(last).toMatchObject({ type: 'Action.OpenUrl', title: 'widget.email' });
    const url = last?.type === 'Action.OpenUrl' ? last.url : '';
    expect(url.startsWith('mailto:?subject=')).toBe(true);
    const params = new URLSearchParams(url.slice('mailto:?'.length));
    expect(params.get('subject')).toBe('widget.draftSubject{"host":"shop.example"}');
    expect(params.get('body')).toBe('Hello,\r\n\r\nI get a 502 on https://shop.example/checkout?a=1.\r\nThanks & bye');
    // Percent-encoded: an ampersand in the text cannot start another header.
    expect(url).not.toContain('& bye');
  });

  it('leaves Teams cards as they were, and cards without a draft alone', () => {
    expect(cardOf(reply, t).actions).toBeUndefined();
    expect(cardOf({ key: 'intro' }, t, { draftEmail: true }).actions).toBeUndefined();
  });

  it('keeps the email action on an answered card (it answers nothing)', () => {
    const card = cardOf({ ...reply, choices: fullReply.choices }, t, { draftEmail: true, answeredIntent: 'watch' });
    expect(card.actions?.map((action) => action.type)).toEqual(['Action.OpenUrl']);
  });
});

describe('escapeMarkdown', () => {
  it('escapes the backslash first so a value cannot undo an escape', () => {
    expect(escapeMarkdown('\\*bold\\*')).toBe('\\\\\\*bold\\\\\\*');
  });

  it('escapes list and heading markers only at the start', () => {
    expect(escapeMarkdown('- a-b')).toBe('\\- a-b');
    expect(escapeMarkdown('12. x 3.4')).toBe('12\\. x 3.4');
    expect(escapeMarkdown('my-site.example')).toBe('my-site.example');
  });
});
