/**
 * Incidents and maintenance windows, kept where `STORAGE` keeps everything else (memory, the shared SQLite
 * file, or Redis), so they survive restarts and every instance sees the same ones.
 *
 * Every change is a compare-and-set on the stored JSON: a write that lost a race is retried on the new
 * record, and of two instances resolving one incident exactly one wins (the one that notifies watchers).
 * Records are validated with zod on read; one written by another version that no longer parses is skipped.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { INCIDENT_LIMITS, INCIDENT_SEVERITIES, type Incident, type IncidentNotice, type PublicIncident } from '../contracts';
import type { StorageBackend } from '../storage/create-storage';
import { hostMatches } from './host-match';

const isoDate = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date');

/** A stored incident, as read back (lenient about fields added later: unknown keys are dropped). */
const incidentSchema = z.object({
  id: z.string().min(1).max(100),
  host: z
    .string()
    .min(1)
    .max(INCIDENT_LIMITS.host + 2),
  title: z.string().max(INCIDENT_LIMITS.title),
  message: z.string().max(INCIDENT_LIMITS.message),
  etaMinutes: z.number().int().min(0).max(INCIDENT_LIMITS.etaMinutes).optional(),
  startsAt: isoDate.optional(),
  endsAt: isoDate.optional(),
  severity: z.enum(INCIDENT_SEVERITIES).optional(),
  updates: z.array(z.object({ at: isoDate, message: z.string().max(INCIDENT_LIMITS.message) })).max(INCIDENT_LIMITS.updates),
  createdAt: isoDate,
  resolvedAt: isoDate.optional(),
});

/** What a new incident needs (the host already normalised by `normaliseHostPattern`). */
export type NewIncident = Omit<Incident, 'id' | 'updates' | 'createdAt' | 'resolvedAt'>;

/** The outcome of a change: the new record, or why there is none. */
export type IncidentChange =
  | { kind: 'ok'; incident: Incident }
  | { kind: 'not_found' }
  | { kind: 'resolved'; incident: Incident }
  | { kind: 'too_many_updates' }
  /** The change would leave `endsAt` at or before `startsAt`. */
  | { kind: 'invalid_window' };

/** Incidents on one connection. */
export interface IncidentStore {
  create(incident: NewIncident): Promise<Incident>;
  get(id: string): Promise<Incident | undefined>;
  /** Every incident, newest first; `open: true` keeps those open now (unresolved, inside their window). */
  list(options?: { open?: boolean }): Promise<Incident[]>;
  /** Changes fields of an unresolved incident and optionally adds an update message. */
  update(id: string, change: { fields?: Partial<NewIncident>; message?: string }): Promise<IncidentChange>;
  /** Resolves once: `ok` only for the caller whose write resolved it, `resolved` for everyone after. */
  resolve(id: string): Promise<IncidentChange>;
  /** The open incident covering the host of `target` (a URL or host), the most recently declared first. */
  openFor(target: string): Promise<Incident | undefined>;
}

/** The raw rows behind a store: JSON text per id, with an atomic compare-and-set. */
export interface IncidentRows {
  all(): Promise<string[]>;
  get(id: string): Promise<string | undefined>;
  insert(id: string, json: string): Promise<void>;
  /** Replaces the row only while it still holds `expected`; false when someone changed it first. */
  replace(id: string, expected: string, next: string): Promise<boolean>;
  remove(id: string): Promise<void>;
}

export interface IncidentStoreOptions {
  now?: () => number;
  /** Resolved incidents older than this are deleted when a new one is declared. Default 90 days. */
  keepResolvedMs?: number;
  /** How long `openFor` may answer from memory (a conversation asks on every probe). Default 1000 ms. */
  cacheMs?: number;
}

/** True when the incident is open at `now`: not resolved, and inside its window when it has one. */
export function isOpenAt(incident: Incident, now: number): boolean {
  if (incident.resolvedAt) return false;
  if (incident.startsAt && Date.parse(incident.startsAt) > now) return false;
  if (incident.endsAt && Date.parse(incident.endsAt) <= now) return false;
  return true;
}

/** What strangers may see of an incident (the board, `GET /api/status`). */
export function publicIncident(incident: Incident): PublicIncident {
  const latest = incident.updates.at(-1);
  return {
    id: incident.id,
    host: incident.host,
    title: incident.title,
    message: incident.message,
    ...(incident.etaMinutes !== undefined ? { etaMinutes: incident.etaMinutes } : {}),
    ...(incident.startsAt ? { startsAt: incident.startsAt } : {}),
    ...(incident.endsAt ? { endsAt: incident.endsAt } : {}),
    ...(incident.severity ? { severity: incident.severity } : {}),
    ...(latest ? { latestUpdate: latest.message } : {}),
    updatedAt: latest?.at ?? incident.createdAt,
  };
}

/** The notice a conversation quotes: the newest word on it. */
export function incidentNotice(incident: Incident): IncidentNotice {
  return {
    id: incident.id,
    title: incident.title,
    message: incident.updates.at(-1)?.message ?? incident.message,
    ...(incident.etaMinutes !== undefined ? { etaMinutes: incident.etaMinutes } : {}),
    maintenance: incident.startsAt !== undefined || incident.severity === 'maintenance',
  };
}

/** Builds the store on the connection `STORAGE` opened. */
export function createIncidentStore(backend: StorageBackend, options: IncidentStoreOptions = {}): IncidentStore {
  return createStoreOnRows(rowsFor(backend), options);
}

/** The rows for each kind of backend. */
export function rowsFor(backend: StorageBackend): IncidentRows {
  switch (backend.kind) {
    case 'memory': {
      // Every store on one memory backend shares its rows, as every store on one SQLite file or Redis does.
      const existing = MEMORY_ROWS.get(backend);
      if (existing) return existing;
      const rows = memoryRows();
      MEMORY_ROWS.set(backend, rows);
      return rows;
    }
    case 'sqlite':
      return sqliteRows(backend.database);
    case 'redis':
      return redisRows(backend.client, `${backend.keyPrefix}incidents`);
  }
}

const MEMORY_ROWS = new WeakMap<StorageBackend, IncidentRows>();

const MAX_ATTEMPTS = 10;

function createStoreOnRows(rows: IncidentRows, options: IncidentStoreOptions): IncidentStore {
  const { now = Date.now, keepResolvedMs = 90 * 86_400_000, cacheMs = 1000 } = options;
  let cache: { at: number; incidents: Incident[] } | undefined;

  const parse = (json: string | undefined): Incident | undefined => {
    if (json === undefined) return undefined;
    try {
      const parsed = incidentSchema.safeParse(JSON.parse(json));
      return parsed.success ? (parsed.data as Incident) : undefined;
    } catch {
      return undefined;
    }
  };

  const all = async (): Promise<Incident[]> => {
    const incidents = (await rows.all()).flatMap((json) => {
      const incident = parse(json);
      return incident ? [incident] : [];
    });
    return incidents.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  };

  /** Read, change, compare-and-set; retried when another writer got there first. */
  const change = async (id: string, apply: (current: Incident) => IncidentChange): Promise<IncidentChange> => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const json = await rows.get(id);
      const current = parse(json);
      if (json === undefined || !current) return { kind: 'not_found' };
      const outcome = apply(current);
      if (outcome.kind !== 'ok') return outcome;
      if (await rows.replace(id, json, JSON.stringify(outcome.incident))) {
        cache = undefined;
        return outcome;
      }
    }
    throw new Error('incident kept changing under us');
  };

  return {
    async create(fields) {
      const incident: Incident = { ...fields, id: randomUUID(), updates: [], createdAt: new Date(now()).toISOString() };
      await rows.insert(incident.id, JSON.stringify(incident));
      cache = undefined;
      // Old resolved incidents go when new ones come, so the list cannot grow without bound.
      for (const old of await all()) {
        if (old.resolvedAt && Date.parse(old.resolvedAt) < now() - keepResolvedMs) await rows.remove(old.id);
      }
      return incident;
    },
    get: async (id) => parse(await rows.get(id)),
    async list({ open } = {}) {
      const incidents = await all();
      return open ? incidents.filter((incident) => isOpenAt(incident, now())) : incidents;
    },
    update(id, { fields = {}, message }) {
      return change(id, (current) => {
        if (current.resolvedAt) return { kind: 'resolved', incident: current };
        if (message !== undefined && current.updates.length >= INCIDENT_LIMITS.updates) return { kind: 'too_many_updates' };
        const updates = message !== undefined ? [...current.updates, { at: new Date(now()).toISOString(), message }] : current.updates;
        const next = { ...current, ...fields, updates };
        // Each field may be valid alone and the pair not: a new start after the stored end.
        if (next.startsAt && next.endsAt && Date.parse(next.startsAt) >= Date.parse(next.endsAt)) return { kind: 'invalid_window' };
        return { kind: 'ok', incident: next };
      });
    },
    resolve(id) {
      return change(id, (current) =>
        current.resolvedAt
          ? { kind: 'resolved', incident: current }
          : { kind: 'ok', incident: { ...current, resolvedAt: new Date(now()).toISOString() } },
      );
    },
    async openFor(target) {
      if (!cache || now() - cache.at >= cacheMs) cache = { at: now(), incidents: await all() };
      return cache.incidents.find((incident) => isOpenAt(incident, now()) && hostMatches(incident.host, target));
    },
  };
}

function memoryRows(): IncidentRows {
  const rows = new Map<string, string>();
  return {
    all: async () => [...rows.values()],
    get: async (id) => rows.get(id),
    insert: async (id, json) => {
      rows.set(id, json);
    },
    replace: async (id, expected, next) => {
      if (rows.get(id) !== expected) return false;
      rows.set(id, next);
      return true;
    },
    remove: async (id) => {
      rows.delete(id);
    },
  };
}

function sqliteRows(database: Extract<StorageBackend, { kind: 'sqlite' }>['database']): IncidentRows {
  database.exec('CREATE TABLE IF NOT EXISTS incidents (id TEXT PRIMARY KEY, record TEXT NOT NULL)');
  const selectAll = database.prepare<[], { record: string }>('SELECT record FROM incidents');
  const selectOne = database.prepare<[string], { record: string }>('SELECT record FROM incidents WHERE id = ?');
  const insert = database.prepare<[string, string]>('INSERT INTO incidents (id, record) VALUES (?, ?)');
  const replace = database.prepare<[string, string, string]>('UPDATE incidents SET record = ? WHERE id = ? AND record = ?');
  const remove = database.prepare<[string]>('DELETE FROM incidents WHERE id = ?');
  return {
    all: async () => selectAll.all().map((row) => row.record),
    get: async (id) => selectOne.get(id)?.record,
    insert: async (id, json) => {
      insert.run(id, json);
    },
    replace: async (id, expected, next) => replace.run(next, id, expected).changes === 1,
    remove: async (id) => {
      remove.run(id);
    },
  };
}

/** Compare-and-set of one hash field, atomic in Redis (a Lua script runs alone). */
const REPLACE_SCRIPT = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1 end return 0`;

function redisRows(client: Extract<StorageBackend, { kind: 'redis' }>['client'], key: string): IncidentRows {
  return {
    all: async () => Object.values(await client.hgetall(key)),
    get: async (id) => (await client.hget(key, id)) ?? undefined,
    insert: async (id, json) => {
      await client.hset(key, id, json);
    },
    replace: async (id, expected, next) => (await client.eval(REPLACE_SCRIPT, 1, key, id, expected, next)) === 1,
    remove: async (id) => {
      await client.hdel(key, id);
    },
  };
}
