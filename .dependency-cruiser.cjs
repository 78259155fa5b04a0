/**
 * The layers of Gateway Doctor, checked on every `npm test` (`npm run lint:layers`). From the bottom up:
 *
 *   src/contracts/   shared types, id lists and tiny predicates; imports nothing of ours
 *   dialogs/         the XState machines: pure, they see only the contracts (and xstate)
 *   src/probe/, src/storage/, src/text/, src/observability/   I/O services that know no conversation
 *   src/core/        one turn, channel-neutral: understanding, i18n, the turn runner
 *   src/channels/    Teams, Slack, web chat, the terminal: activities in, rendered replies out
 *   src/index.ts, src/build-core.ts   the composition roots that wire it all together
 *
 * test/architecture/layering.test.ts proves each rule can fail and that the real tree keeps them.
 */

/** Every way a package from node_modules can be depended on. */
const PACKAGES = ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'];

/** The HTTP server and the channel SDKs (restify, botbuilder, Bot Framework, Slack). */
const CHANNEL_SDKS = '(^|/)node_modules/(restify|botbuilder[^/]*|botframework-[^/]+|@slack/[^/]+)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'contracts-import-nothing-of-ours',
      comment: 'src/contracts/ is the bottom layer: everything may import it, it imports nothing above it.',
      severity: 'error',
      from: { path: '^src/contracts/' },
      to: { pathNot: '^src/contracts/' },
    },
    {
      name: 'contracts-use-no-packages',
      comment: 'The contracts are plain TypeScript: no package, so every layer can afford to import them.',
      severity: 'error',
      from: { path: '^src/contracts/' },
      to: { dependencyTypes: PACKAGES },
    },
    {
      name: 'dialogs-see-only-contracts',
      comment:
        'The machines are pure: they import only each other, src/contracts/ and xstate (no I/O, no Node); ' +
        'the English strings only as a type, so the compiler can check reply keys.',
      severity: 'error',
      from: { path: '^dialogs/' },
      to: {
        pathNot: ['^dialogs/', '^src/contracts/', '(^|/)node_modules/xstate/', '^locales/en/translation[.]json$'],
      },
    },
    {
      name: 'dialogs-read-strings-only-as-types',
      comment: 'The machines check reply keys against the English strings at compile time; at run time they never read files.',
      severity: 'error',
      from: { path: '^dialogs/' },
      to: { path: '^locales/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'core-knows-no-channel',
      comment: 'src/core/ runs one turn for every channel: it imports no channel code.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/channels/' },
    },
    {
      name: 'core-uses-no-channel-sdk',
      comment: 'src/core/ imports no HTTP server or channel SDK (restify, botbuilder, Bot Framework, Slack).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: CHANNEL_SDKS },
    },
    {
      name: 'core-wiring-is-channel-neutral',
      comment: 'src/build-core.ts wires what every channel shares; each channel root builds its own bot.',
      severity: 'error',
      from: { path: '^src/build-core\\.ts$' },
      to: { path: ['^src/channels/', CHANNEL_SDKS] },
    },
    {
      name: 'probe-knows-no-conversation',
      comment: 'The probe is a service: it imports no machine, no channel and nothing of the core.',
      severity: 'error',
      from: { path: '^src/probe/' },
      to: { path: '^(dialogs/|src/channels/|src/core/)' },
    },
    {
      name: 'storage-knows-no-conversation',
      comment: 'Storage keeps bytes: it imports no machine, no channel and nothing of the core.',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: '^(dialogs/|src/channels/|src/core/)' },
    },
    {
      name: 'only-roots-import-roots',
      comment: 'The composition roots import everything; nothing but a composition root imports them.',
      severity: 'error',
      from: { pathNot: '^src/(index|channels/console/chat)\\.ts$' },
      to: { path: '^src/(index|build-core)\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'Modules that import each other cannot be understood, tested or moved one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      comment: 'Folders that import each other are one layer in disguise (e.g. probe <-> dialogs).',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing on disk.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too: a layer that needs another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
