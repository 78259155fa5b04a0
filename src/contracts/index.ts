/**
 * The shared contracts at the bottom of the layers: types, id lists and tiny pure predicates that the
 * machines (`dialogs/`), the core, the probe and the channels all speak. Nothing here imports anything
 * of ours (enforced by .dependency-cruiser.cjs); this file only re-exports.
 */
export * from './causes';
export * from './channel-data';
export * from './dns-report';
export * from './incident';
export * from './locales';
export * from './probe-result';
export * from './public-probe';
export * from './text-limits';
export * from './translate';
export * from './regions';
