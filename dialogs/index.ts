/** The conversation machines and their contract, for the core's turn runner and the composition root. */
export { supportMachine, SNAPSHOT_VERSION, stateToPath, isSettled } from './support.machine';
export type { SupportContext } from './context';
export type { MachineEvent } from './routing';
export * from './types';
