/**
 * State paths, prompt paths, reply builders and i18n keys are names the compiler checks: each line
 * marked `@ts-expect-error` below must fail to compile (tsc runs on the tests too, and an expected
 * error that does not happen fails it). At run time, each wrong name would have pointed at nothing.
 */
import { createInitialContext } from '../../dialogs/context';
import { choice, choicesFor, PROMPT_PATHS, REPLIES, variantKey, type PromptPath } from '../../dialogs/replies';
import { STATE_PATHS, to, type StatePath } from '../../dialogs/states';
import { say, waiting } from '../../dialogs/support.setup';
import type { KeyedReply, TranslationKey } from '../../dialogs/translation-keys';
import { englishText } from './create-conversation';

const isStatePath = (path: string): boolean => (STATE_PATHS as readonly string[]).includes(path);

describe('names the compiler checks', () => {
  it('rejects a state that does not exist as a transition target', () => {
    expect(to('user.down')).toBe('#support.user.down');
    // @ts-expect-error a typo in a state path
    const typo = to('user.dwon');
    expect(isStatePath(typo.slice('#support.'.length))).toBe(false);
    // @ts-expect-error contact steps are not under `user.step`
    const misplaced: StatePath = 'user.step.contactSite';
    expect(isStatePath(misplaced)).toBe(false);
  });

  it('rejects a prompt for a state that has none', () => {
    const ctx = createInitialContext();
    expect(choicesFor('user.down', ctx).length).toBeGreaterThan(0);
    // @ts-expect-error `probing` does not wait for the person, so it has no choices
    const busy: PromptPath = 'probing';
    expect((PROMPT_PATHS as readonly string[]).includes(busy)).toBe(false);
    // @ts-expect-error a typo in a prompt path
    expect(waiting('admin.dsn')['intent.help'].actions.params.path).toBe('admin.dsn');
  });

  it('rejects a reply builder that does not exist', () => {
    expect(say('hello').params.reply in REPLIES).toBe(true);
    // @ts-expect-error a typo in a reply builder name
    expect(say('helo').params.reply in REPLIES).toBe(false);
  });

  it('rejects an i18n key that locales/en/translation.json lacks, in replies, buttons and variants', () => {
    const good: TranslationKey = 'user.down.behindCdn';
    expect(englishText(good)).toBeDefined();
    // @ts-expect-error a typo in a reply key
    const reply: KeyedReply = { key: 'user.down.behindCnd' };
    expect(englishText(reply.key)).toBeUndefined();
    // @ts-expect-error a button label without a string
    expect(englishText(choice('yes', 'choice.yesPlease').labelKey)).toBeUndefined();
    expect(englishText(variantKey('iis-502.1'))).toBeDefined();
    // @ts-expect-error a variant the type does not know has no key either
    expect(englishText(variantKey('iis-502.9'))).toBeUndefined();
  });
});
