/**
 * The layering rules in .dependency-cruiser.cjs, run through dependency-cruiser's own API: on a small tree
 * that breaks every rule once (so a rule that can never fail is caught), and on the real tree, which
 * must keep them all. `npm run lint:layers` runs the same rules from the command line.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const RUNNER = path.join(__dirname, 'cruise.mjs');

interface Violation {
  rule: string;
  from: string;
  to: string;
}

/** Cruises `paths` under `baseDir` in a Node process of its own (dependency-cruiser is ESM only). */
async function cruiseTree(baseDir: string, paths: string[]): Promise<Violation[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [RUNNER, CONFIG, baseDir, ...paths], { timeout: 30_000 });
  return (JSON.parse(stdout) as { violations: Violation[] }).violations;
}

/** Every rule the configuration defines. */
function ruleNames(): string[] {
  // The configuration is CommonJS so the CLI and this test read the same file.
  const config = require(CONFIG) as { forbidden: { name: string }[] };
  return config.forbidden.map((rule) => rule.name).sort();
}

/** A tree that breaks each rule once; the comment says which. */
const BROKEN_TREE: Record<string, string> = {
  'tsconfig.json': JSON.stringify({
    compilerOptions: { module: 'commonjs', moduleResolution: 'node', strict: true, resolveJsonModule: true },
  }),
  // contracts-import-nothing-of-ours, contracts-use-no-packages
  'src/contracts/index.ts':
    "import type { Turn } from '../core/turn';\nimport type { AnyActorRef } from 'xstate';\n" + 'export type Ref = AnyActorRef | Turn;\n',
  // dialogs-see-only-contracts (a type-only import counts), no-circular, no-circular-folders (dialogs <-> src/probe)
  'dialogs/machine.ts': "import type { Probe } from '../src/probe/prober';\nexport const machine = (p: Probe) => p;\n",
  // dialogs-read-strings-only-as-types (a value import of the strings; the type-only one is allowed)
  'dialogs/strings.ts':
    "import english from '../locales/en/translation.json';\nimport type en from '../locales/en/translation.json';\n" +
    'export const strings: typeof en = english;\n',
  'locales/en/translation.json': '{ "hello": "Hello" }\n',
  // probe-knows-no-conversation
  'src/probe/prober.ts': "import { machine } from '../../dialogs/machine';\nexport type Probe = number;\nexport const m = machine;\n",
  // core-knows-no-channel, core-uses-no-channel-sdk, only-roots-import-roots
  'src/core/turn.ts':
    "import { render } from '../channels/render';\nimport type { Storage } from 'botbuilder';\nimport { core } from '../build-core';\n" +
    'export type Turn = Storage;\nexport const t = [render, core];\n',
  // storage-knows-no-conversation
  'src/storage/store.ts': "import { machine } from '../../dialogs/machine';\nexport const s = machine;\n",
  // core-wiring-is-channel-neutral
  'src/build-core.ts': "import { render } from './channels/render';\nexport const core = render;\n",
  // not-to-unresolvable
  'src/channels/render.ts': "import { gone } from './missing';\nexport const render = gone;\n",
};

describe('layering rules', () => {
  let fixture: string;

  beforeAll(() => {
    fixture = mkdtempSync(path.join(tmpdir(), 'layers-'));
    for (const [file, text] of Object.entries(BROKEN_TREE)) {
      mkdirSync(path.dirname(path.join(fixture, file)), { recursive: true });
      writeFileSync(path.join(fixture, file), text);
    }
    // Packages resolve as they do in the project (botbuilder, xstate).
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(fixture, 'node_modules'), 'dir');
  });

  afterAll(() => {
    rmSync(fixture, { recursive: true, force: true });
  });

  it('can each fail: a tree that breaks every rule is refused by every rule', async () => {
    const violations = await cruiseTree(fixture, ['src', 'dialogs']);
    expect([...new Set(violations.map((v) => v.rule))].sort()).toEqual(ruleNames());
    // A type-only import is a dependency too (tsPreCompilationDeps).
    expect(violations).toContainEqual({ rule: 'dialogs-see-only-contracts', from: 'dialogs/machine.ts', to: 'src/probe/prober.ts' });
    expect(violations).toContainEqual({ rule: 'core-knows-no-channel', from: 'src/core/turn.ts', to: 'src/channels/render.ts' });
    expect(violations.filter((v) => v.from === 'dialogs/strings.ts').map((v) => v.rule)).toEqual(['dialogs-read-strings-only-as-types']);
  });

  it('hold in the real tree', async () => {
    expect(await cruiseTree(ROOT, ['src', 'dialogs'])).toEqual([]);
  });
});
