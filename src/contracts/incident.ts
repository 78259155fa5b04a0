/**
 * Incidents and maintenance windows declared by the help desk, and notices quoted from providers' status
 * feeds, in the shapes that leave the process: the conversation (attached to the probe's public view), the
 * public status API and the admin API. The store and the feeds live in `src/incidents/`.
 */

/** Longest title, message and update text an incident may carry (the admin API refuses longer ones). */
export const INCIDENT_LIMITS = { title: 200, message: 2_000, host: 253, updates: 50, etaMinutes: 7 * 24 * 60 } as const;

/** How bad it is; informational for the help desk and the board (the conversation says the same either way). */
export const INCIDENT_SEVERITIES = ['minor', 'major', 'critical', 'maintenance'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

/** One message added to an incident after it was declared. */
export interface IncidentUpdate {
  /** ISO 8601. */
  at: string;
  message: string;
}

/** An incident or a scheduled maintenance window (one with `startsAt`/`endsAt`) on one host or host pattern. */
export interface Incident {
  id: string;
  /** `shop.example.com` (matches with or without `www.` and any port) or `*.example.com` (any subdomain). */
  host: string;
  title: string;
  message: string;
  etaMinutes?: number;
  /** ISO 8601: a maintenance window opens here... */
  startsAt?: string;
  /** ...and closes here (open only inside the window). */
  endsAt?: string;
  severity?: IncidentSeverity;
  updates: IncidentUpdate[];
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; set once, by the resolve that won. */
  resolvedAt?: string;
}

/** What strangers may see of an open incident (`GET /api/status`): no ids of people, no update history. */
export interface PublicIncident {
  id: string;
  host: string;
  title: string;
  message: string;
  etaMinutes?: number;
  startsAt?: string;
  endsAt?: string;
  severity?: IncidentSeverity;
  /** Latest update's text, when there is one. */
  latestUpdate?: string;
  /** ISO 8601 of the last change (declared or updated). */
  updatedAt: string;
}

/** The open incident a conversation quotes before the probe's verdict. */
export interface IncidentNotice {
  id: string;
  title: string;
  /** The latest word: the newest update's message, else the declared message. */
  message: string;
  etaMinutes?: number;
  maintenance: boolean;
}

/** One open incident or maintenance a provider's status feed reports, quoted as the provider wrote it. */
export interface ProviderNotice {
  /** The provider's display name ("Cloudflare"). */
  provider: string;
  title: string;
  /** ISO 8601, when the feed says. */
  since?: string;
}
