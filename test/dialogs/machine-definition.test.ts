/**
 * The support machine's definition read as data: every state is described (Stately's visualiser shows
 * the descriptions, so the chart can be read without the code), the state paths the compiler checks
 * (dialogs/states.ts) are exactly the machine's, and each waiting state re-prompts with its own choices.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StateNodeDefinition } from 'xstate';
import type { SupportContext } from '../../dialogs/context';
import type { MachineEvent } from '../../dialogs/routing';
import type { NoticeEvent } from '../../dialogs/support.setup';
import { PROMPT_PATHS } from '../../dialogs/replies';
import { STATE_PATHS, SUPPORT_MACHINE_ID, to } from '../../dialogs/states';
import { supportMachine } from '../../dialogs/support.machine';

type Definition = StateNodeDefinition<SupportContext, MachineEvent | NoticeEvent>;

/** Every state node of a definition, the root first. */
function allStates(node: Definition): Definition[] {
  return [node, ...Object.values(node.states).flatMap(allStates)];
}

const root: Definition = supportMachine.definition;
const states = allStates(root);
/** `support.user.step.reload` -> `user.step.reload`. */
const pathOf = (node: Definition): string => node.id.slice(SUPPORT_MACHINE_ID.length + 1);

/** The path a state's "help" offers the choices of (`waiting(path)` in the state's config). */
function helpPathOf(node: Definition): string | undefined {
  for (const transition of node.on['intent.help'] ?? []) {
    for (const action of transition.actions) {
      const { type, params } = action as { type?: string; params?: { path?: string } };
      if (type === 'help') return params?.path;
    }
  }
  return undefined;
}

describe('support machine definition', () => {
  it('describes every state, the root and the generated step states included', () => {
    expect(states.length).toBeGreaterThan(40);
    expect(states.filter((node) => !node.description?.trim()).map((node) => node.id)).toEqual([]);
  });

  it('has exactly the states dialogs/states.ts names', () => {
    expect(root.id).toBe(SUPPORT_MACHINE_ID);
    expect(states.slice(1).map(pathOf).sort()).toEqual([...STATE_PATHS].sort());
  });

  it('targets states by their id', () => {
    expect(to('user.step.reload')).toBe(`#${states.find((node) => pathOf(node) === 'user.step.reload')?.id}`);
  });

  it('answers "help" in each waiting state with that state\'s own choices', () => {
    // Each waiting state answers with its own path's choices: a press on an earlier card is recognised by
    // comparing the card's state with this path, so no state may borrow another's.
    const waiting = states.filter((node) => helpPathOf(node) !== undefined);
    expect(waiting.filter((node) => helpPathOf(node) !== pathOf(node)).map(pathOf)).toEqual([]);
    expect(
      waiting
        .map((node) => helpPathOf(node))
        .filter((p, i, all) => all.indexOf(p) === i)
        .sort(),
    ).toEqual([...PROMPT_PATHS].sort());
  });

  it('passes event data to the shared guards and actions as parameters, never as an event.type check', () => {
    const setupSource = readFileSync(path.join(__dirname, '../../dialogs/support.setup.ts'), 'utf8');
    expect(setupSource.match(/event\.type/g) ?? []).toEqual([]);
  });
});
