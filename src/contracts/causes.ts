/** Causes the `explain` tables can name from server logs, error pages and IIS sub-statuses. */
export const CAUSE_IDS = [
  'upstream-refused',
  'upstream-reset',
  'upstream-timeout',
  'header-too-big',
  'no-live-upstreams',
  'socket-permission',
  'socket-missing',
  'upstream-dns',
  'upstream-tls',
  'upstream-overloaded',
  'app-crash',
  'upstream-protocol',
] as const;

/** A cause the explain tables can name. */
export type CauseId = (typeof CAUSE_IDS)[number];

const CAUSE_SET: ReadonlySet<string> = new Set<string>(CAUSE_IDS);

/** True for a cause named from server logs (not a generic error page, header dump or status line). */
export function isCauseId(cause: string): cause is CauseId {
  return CAUSE_SET.has(cause);
}
