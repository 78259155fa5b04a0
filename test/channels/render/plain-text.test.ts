import type { Draft, Reply } from '../../../dialogs/types';
import {
  DRAFT_CAPTION_KEY,
  keyLabel,
  plainDraftText,
  renderPlainText,
  resolveVars,
  stripUnsafeChars,
} from '../../../src/channels/render/plain-text';
import type { Translate } from '../../../src/contracts';

const fakeT: Translate = (key, vars) => key + (vars ? JSON.stringify(vars) : '');

/** A translator that knows a few modifier names, as a German locale file would. */
function createGermanKeysT(): Translate {
  const known: Record<string, string> = { 'key.ctrl': 'Strg', 'key.shift': 'Umschalt' };
  return (key, vars) => known[key] ?? key + (vars ? JSON.stringify(vars) : '');
}

/** A translator over a small table that interpolates {{vars}} the way i18next does. */
function fakeTranslateWith(table: Record<string, string>): Translate {
  return (key, vars) =>
    (table[key] ?? key).replace(/\{\{(\w+)\}\}/g, (_m, name: string) =>
      String((vars as Record<string, unknown> | undefined)?.[name] ?? ''),
    );
}

describe('renderPlainText', () => {
  it('renders the sentence alone when the reply has nothing else', () => {
    expect(renderPlainText({ key: 'greeting.hello' }, fakeT)).toBe('greeting.hello');
  });

  it('lists facts as "label: value", the draft indented under its caption and choices numbered', () => {
    const reply: Reply = {
      key: 'verdict.down',
      vars: { host: 'shop.example' },
      facts: [
        { labelKey: 'fact.status', value: '502' },
        { labelKey: 'fact.producer', value: 'nginx' },
      ],
      draft: { key: 'draft.toSite', vars: { host: 'shop.example' } },
      choices: [
        { intent: 'yes', labelKey: 'choice.yes' },
        { intent: 'no', labelKey: 'choice.no' },
      ],
    };
    expect(renderPlainText(reply, fakeT).split('\n')).toEqual([
      'verdict.down{"host":"shop.example"}',
      '',
      'fact.status: 502',
      'fact.producer: nginx',
      '',
      DRAFT_CAPTION_KEY,
      '    draft.toSite{"host":"shop.example"}',
      '',
      '1. choice.yes',
      '2. choice.no',
    ]);
  });

  it('indents every line of a multi-line draft and keeps blank lines empty', () => {
    const t: Translate = (key) => (key === 'draft.multi' ? 'Hello,\n\nThe site fails.' : key);
    const text = renderPlainText({ key: 'intro', draft: { key: 'draft.multi' } }, t);
    expect(text).toBe(`intro\n\n${DRAFT_CAPTION_KEY}\n    Hello,\n\n    The site fails.`);
  });

  it('removes terminal escape sequences and bidi overrides from values', () => {
    const reply: Reply = {
      key: 'checked',
      vars: { host: 'evil\u001b[2J.example\u202e' },
      facts: [{ labelKey: 'fact.server', value: 'nginx\u009b31m' }],
    };
    const text = renderPlainText(reply, fakeT);
    expect(text).toBe('checked{"host":"evil[2J.example"}\n\nfact.server: nginx31m');
  });
});

describe('resolveVars', () => {
  it('joins key ids with "+", translating modifiers and keeping letters literal', () => {
    const vars = resolveVars({ keys: { shortcut: ['ctrl', 'shift', 'R'] } }, createGermanKeysT());
    expect(vars).toEqual({ shortcut: 'Strg+Umschalt+R' });
  });

  it('keeps an id literal when the translator has no key.<id> entry', () => {
    expect(keyLabel('F5', fakeT)).toBe('F5');
    expect(keyLabel('ctrl', createGermanKeysT())).toBe('Strg');
  });

  it('translates terms and joins them with ", "', () => {
    const vars = resolveVars({ terms: { tried: ['stepName.hardRefresh', 'stepName.cache'] } }, fakeT);
    expect(vars).toEqual({ tried: 'stepName.hardRefresh, stepName.cache' });
  });

  it('passes numbers through and formats strings with the channel formatter', () => {
    const vars = resolveVars({ vars: { status: 502, host: 'a.example' } }, fakeT, (value) => `<${value}>`);
    expect(vars).toEqual({ status: 502, host: '<a.example>' });
  });
});

describe('draft lines', () => {
  const lines = fakeTranslateWith({
    'draft.x': 'Hello,\n\nThe site {{url}} fails.\n{{evidence}}\n\nThanks.',
    'line.status': 'Status: {{status}} ({{verdict}})',
    'line.ids': 'Request IDs: {{requestIds}}',
    'verdict.down': 'down',
  });

  it('renders one translated line per known fact, each with its own vars and terms', () => {
    const draft: Draft = {
      key: 'draft.x',
      vars: { url: 'https://shop.example/' },
      lines: {
        evidence: [
          { key: 'line.status', vars: { status: 502 }, terms: { verdict: ['verdict.down'] } },
          { key: 'line.ids', vars: { requestIds: 'cf-ray: 8a1b' } },
        ],
      },
    };
    expect(plainDraftText({ key: 'r', draft }, lines)).toBe(
      'Hello,\n\nThe site https://shop.example/ fails.\nStatus: 502 (down)\nRequest IDs: cf-ray: 8a1b\n\nThanks.',
    );
  });

  it("escapes each line's values the channel's way", () => {
    const resolved = resolveVars({ lines: { evidence: [{ key: 'line.ids', vars: { requestIds: '*x*' } }] } }, lines, (v) => `<${v}>`);
    expect(resolved.evidence).toBe('Request IDs: <*x*>');
  });
});

describe('stripUnsafeChars', () => {
  it('keeps tabs and newlines', () => {
    expect(stripUnsafeChars('a\tb\nc\u0007')).toBe('a\tb\nc');
  });
});
