import type { ActionsBlock, Button, KnownBlock, MrkdwnElement, SectionBlock } from '@slack/web-api';
import type { Reply } from '../../../dialogs/types';
import { BLOCK_KIT_LIMITS, escapeMrkdwn, renderBlockKit, truncateMrkdwn } from '../../../src/channels/render/block-kit';
import type { Translate } from '../../../src/contracts';

/** `key|JSON(vars)`; keys in `dictionary` translate to their entry; a missing key without vars comes back as is (like i18next). */
function fakeTranslate(dictionary: Record<string, string> = {}): Translate {
  return (key, vars) => dictionary[key] ?? (vars ? `${key}|${JSON.stringify(vars)}` : key);
}

const t = fakeTranslate();

function sectionText(block: KnownBlock | undefined): string {
  expect(block?.type).toBe('section');
  const text = (block as SectionBlock).text as MrkdwnElement;
  expect(text.type).toBe('mrkdwn');
  return text.text;
}

function buttonsOf(blocks: KnownBlock[]): Button[] {
  const actions = blocks.filter((block): block is ActionsBlock => block.type === 'actions');
  expect(actions).toHaveLength(1);
  return actions[0]!.elements as Button[];
}

const INJECTION = '<!channel> & <!here> <@U123> <https://evil.example|your bank>';
const INJECTION_ESCAPED = '&lt;!channel&gt; &amp; &lt;!here&gt; &lt;@U123&gt; &lt;https://evil.example|your bank&gt;';

describe('renderBlockKit', () => {
  it('renders the text as one mrkdwn section and uses it as the fallback text', () => {
    const { text, blocks } = renderBlockKit({ key: 'verdict.down', vars: { host: 'shop.example', status: 502 } }, t);
    expect(text).toBe('verdict.down|{"host":"shop.example","status":502}');
    expect(blocks).toHaveLength(1);
    expect(sectionText(blocks[0])).toBe(text);
  });

  it('orders the blocks: text, facts, draft, buttons', () => {
    const reply: Reply = {
      key: 'verdict.down',
      facts: [{ labelKey: 'fact.status', value: '502' }],
      draft: { key: 'draft.toSite' },
      choices: [{ intent: 'watch', labelKey: 'choice.watch' }],
    };
    const { blocks } = renderBlockKit(reply, t);
    expect(blocks.map((block) => block.type)).toEqual(['section', 'section', 'section', 'actions']);
    expect((blocks[1] as SectionBlock).fields).toHaveLength(1);
    expect(sectionText(blocks[2])).toBe('```draft.toSite```');
  });

  it('escapes vars, fact values and drafts so nothing can mention, ping or disguise a link', () => {
    const reply: Reply = {
      key: 'echo',
      vars: { said: INJECTION },
      facts: [{ labelKey: 'fact.requestId', value: INJECTION }],
      draft: { key: 'draft.toSite', vars: { said: INJECTION } },
    };
    const { text, blocks } = renderBlockKit(reply, t);
    expect(text).toBe(`echo|${JSON.stringify({ said: INJECTION_ESCAPED })}`);
    expect((blocks[1] as SectionBlock).fields?.[0]?.text).toBe(`*fact.requestId*\n${INJECTION_ESCAPED}`);
    expect(sectionText(blocks[2])).toBe(`\`\`\`draft.toSite|${JSON.stringify({ said: INJECTION_ESCAPED })}\`\`\``);
    // Not one control character survives anywhere in what Slack will parse.
    expect(JSON.stringify({ text, blocks })).not.toMatch(/[<>]/);
  });

  it('does not let a draft close its code block early', () => {
    const { blocks } = renderBlockKit({ key: 'x', draft: { key: 'draft', vars: { body: '```\n<!here> `' } } }, t);
    const code = sectionText(blocks[1]);
    expect(code.startsWith('```')).toBe(true);
    expect(code.endsWith('```')).toBe(true);
    const inner = code.slice(3, -3);
    expect(inner).not.toContain('```');
    expect(inner.endsWith('`')).toBe(false);
    expect(inner).toContain('&lt;!here&gt;');
  });

  it('puts facts in fields sections of at most ten, with the translated label in bold', () => {
    const facts = Array.from({ length: 23 }, (_, i) => ({ labelKey: `fact.n${i}`, value: `v${i}` }));
    const { blocks } = renderBlockKit({ key: 'x', facts }, fakeTranslate({ 'fact.n0': 'Status' }));
    const sections = blocks.slice(1) as SectionBlock[];
    expect(sections.map((section) => section.fields?.length)).toEqual([10, 10, 3]);
    expect(sections[0]!.fields![0]).toEqual({ type: 'mrkdwn', text: '*Status*\nv0', verbatim: true });
    expect(sections[2]!.fields![2]!.text).toBe('*fact.n22*\nv22');
  });

  it('renders choices as buttons: action id gd_<intent>, the intent as JSON value, primary for yes', () => {
    const reply: Reply = {
      key: 'ask',
      choices: [
        { intent: 'yes', labelKey: 'choice.yes' },
        { intent: 'no', labelKey: 'choice.no' },
        { intent: 'yes', labelKey: 'choice.yesAgain' },
      ],
    };
    const buttons = buttonsOf(renderBlockKit(reply, fakeTranslate({ 'choice.yes': 'Yes', 'choice.no': 'No' })).blocks);
    expect(buttons).toEqual([
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Yes', emoji: true },
        action_id: 'gd_yes',
        value: '{"gatewayDoctor":{"intent":"yes"}}',
        style: 'primary',
      },
      {
        type: 'button',
        text: { type: 'plain_text', text: 'No', emoji: true },
        action_id: 'gd_no',
        value: '{"gatewayDoctor":{"intent":"no"}}',
      },
    ]);
    expect(JSON.parse(buttons[0]!.value!)).toEqual({ gatewayDoctor: { intent: 'yes' } });
  });

  it('turns keyboard shortcuts into the reader’s key names joined with +', () => {
    const german = fakeTranslate({ 'key.ctrl': 'Strg', 'key.shift': 'Umschalt' });
    const { text } = renderBlockKit({ key: 'step.hardRefresh', keys: { shortcut: ['ctrl', 'shift', 'R'] } }, german);
    expect(text).toBe('step.hardRefresh|{"shortcut":"Strg+Umschalt+R"}');
  });

  it('translates terms and joins them with commas', () => {
    const dictionary = { 'stepName.cache': 'clear the cache', 'stepName.dns': 'flush DNS' };
    const { text } = renderBlockKit(
      { key: 'summary', vars: { host: 'a.example' }, terms: { steps: ['stepName.cache', 'stepName.dns'] } },
      fakeTranslate(dictionary),
    );
    expect(text).toBe('summary|{"host":"a.example","steps":"clear the cache, flush DNS"}');
  });

  it('enforces Block Kit limits with an ellipsis', () => {
    const long = 'x'.repeat(5000);
    const reply: Reply = {
      key: 'long',
      vars: { text: long },
      facts: [{ labelKey: 'fact.body', value: long }],
      draft: { key: 'draft', vars: { text: long } },
      choices: [{ intent: 'help', labelKey: 'choice.help' }],
    };
    const { text, blocks } = renderBlockKit(reply, fakeTranslate({ 'choice.help': 'H'.repeat(200) }));
    expect(text).toHaveLength(BLOCK_KIT_LIMITS.sectionText);
    expect(text.endsWith('…')).toBe(true);
    expect(sectionText(blocks[0])).toHaveLength(BLOCK_KIT_LIMITS.sectionText);
    const field = (blocks[1] as SectionBlock).fields![0]!.text;
    expect(field).toHaveLength(BLOCK_KIT_LIMITS.fieldText);
    expect(field.endsWith('…')).toBe(true);
    const code = sectionText(blocks[2]);
    expect(code.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.sectionText);
    expect(code.endsWith('…```')).toBe(true);
    const label = buttonsOf(blocks)[0]!.text.text;
    expect(label).toHaveLength(BLOCK_KIT_LIMITS.buttonText);
    expect(label.endsWith('…')).toBe(true);
  });

  it('keeps a message within 50 blocks, dropping facts before the buttons', () => {
    const facts = Array.from({ length: 700 }, (_, i) => ({ labelKey: 'fact.n', value: String(i) }));
    const { blocks } = renderBlockKit({ key: 'x', facts, draft: { key: 'd' }, choices: [{ intent: 'yes', labelKey: 'y' }] }, t);
    expect(blocks).toHaveLength(BLOCK_KIT_LIMITS.blocksPerMessage);
    expect(blocks.at(-1)?.type).toBe('actions');
    expect(sectionText(blocks.at(-2))).toBe('```d```');
  });
});

describe('escapeMrkdwn', () => {
  it('escapes exactly &, < and >', () => {
    expect(escapeMrkdwn('a & b < c > d *bold* _it_')).toBe('a &amp; b &lt; c &gt; d *bold* _it_');
    expect(escapeMrkdwn('&amp;')).toBe('&amp;amp;');
  });
});

describe('truncateMrkdwn', () => {
  it('leaves short text alone', () => {
    expect(truncateMrkdwn('short', 10)).toBe('short');
  });

  it('never cuts inside an entity', () => {
    const text = `${'a'.repeat(7)}&amp;${'b'.repeat(10)}`;
    expect(truncateMrkdwn(text, 10)).toBe('aaaaaaa…');
    expect(truncateMrkdwn(text, 13)).toBe('aaaaaaa&amp;…');
  });

  it('never splits a surrogate pair', () => {
    const text = `abc${'😀'.repeat(5)}`;
    const cut = truncateMrkdwn(text, 7);
    expect(cut).toBe('abc😀…');
    expect(cut.length).toBeLessThanOrEqual(7);
  });
});
