/**
 * Incidents as the admin API and the chat commands use them: the store, plus what resolving means. The
 * resolve that wins the store's compare-and-set (one instance, once) tells the host's watchers it's back.
 */
import type { Incident } from '../contracts';
import type { Logger } from '../observability/logger';
import type { IncidentChange, IncidentStore, NewIncident } from './incident-store';

/** A resolve: `ok` (with how many watchers were told) only for the caller whose write resolved it. */
export type ResolveOutcome = { kind: 'ok'; incident: Incident; notified: number } | Exclude<IncidentChange, { kind: 'ok' }>;

/** Declaring and resolving incidents. */
export interface IncidentService {
  store: IncidentStore;
  declare(fields: NewIncident): Promise<Incident>;
  resolve(id: string): Promise<ResolveOutcome>;
}

export interface IncidentServiceOptions {
  store: IncidentStore;
  logger: Logger;
  /** Tells everyone watching the incident's hosts that it's back; resolves to how many were told. */
  onResolved?: (incident: Incident) => Promise<number>;
}

/** Builds the service on a store. */
export function createIncidentService({ store, logger, onResolved }: IncidentServiceOptions): IncidentService {
  return {
    store,
    async declare(fields) {
      const incident = await store.create(fields);
      logger.info({ incident: incident.id, host: incident.host }, 'incident declared');
      return incident;
    },
    async resolve(id) {
      const outcome = await store.resolve(id);
      if (outcome.kind !== 'ok') return outcome;
      logger.info({ incident: id, host: outcome.incident.host }, 'incident resolved');
      let notified = 0;
      try {
        notified = onResolved ? await onResolved(outcome.incident) : 0;
      } catch (err) {
        // The incident is resolved either way; the watchers' own round will still find the site back.
        logger.error({ err, incident: id }, 'could not tell watchers the incident is resolved');
      }
      return { ...outcome, notified };
    },
  };
}
