/**
 * The admin API for incidents (`/api/admin/incidents`, bearer ADMIN_API_TOKEN): declare, list, update,
 * resolve. Bodies are checked with zod where they enter; every refusal is a JSON error with a code.
 */
import type { Request, Response } from 'restify';
import { z } from 'zod';
import { INCIDENT_LIMITS, INCIDENT_SEVERITIES } from '../contracts';
import type { RouteSpec } from '../server';
import { normaliseHostPattern } from './host-match';
import type { IncidentService } from './incident-service';

const isoDate = z
  .string()
  .max(40)
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date')
  .transform((value) => new Date(value).toISOString());
const host = z
  .string()
  .max(INCIDENT_LIMITS.host + 2)
  .transform((value, ctx) => {
    const normalised = normaliseHostPattern(value);
    if (!normalised) {
      ctx.addIssue({ code: 'custom', message: 'must be a host name such as shop.example.com or *.example.com' });
      return z.NEVER;
    }
    return normalised;
  });
const fields = {
  host,
  title: z.string().trim().min(1).max(INCIDENT_LIMITS.title),
  message: z.string().trim().max(INCIDENT_LIMITS.message),
  etaMinutes: z.number().int().min(0).max(INCIDENT_LIMITS.etaMinutes),
  startsAt: isoDate,
  endsAt: isoDate,
  severity: z.enum(INCIDENT_SEVERITIES),
};

const windowIsOrdered = (value: { startsAt?: string; endsAt?: string }): boolean =>
  !value.startsAt || !value.endsAt || Date.parse(value.startsAt) < Date.parse(value.endsAt);
const WINDOW_ERROR = { message: 'endsAt must be after startsAt', path: ['endsAt'] };

const createSchema = z
  .object({
    host: fields.host,
    title: fields.title,
    message: fields.message.default(''),
    etaMinutes: fields.etaMinutes.optional(),
    startsAt: fields.startsAt.optional(),
    endsAt: fields.endsAt.optional(),
    severity: fields.severity.optional(),
  })
  .strict()
  .refine(windowIsOrdered, WINDOW_ERROR);

const patchSchema = z
  .object({
    host: fields.host.optional(),
    title: fields.title.optional(),
    message: fields.message.optional(),
    etaMinutes: fields.etaMinutes.optional(),
    startsAt: fields.startsAt.optional(),
    endsAt: fields.endsAt.optional(),
    severity: fields.severity.optional(),
    /** A new message for the record (kept with its time); the conversation quotes the newest. */
    update: z.string().trim().min(1).max(INCIDENT_LIMITS.message).optional(),
  })
  .strict()
  .refine(windowIsOrdered, WINDOW_ERROR)
  .refine((value) => Object.keys(value).length > 0, { message: 'nothing to change' });

/** Ids are UUIDs: anything else is unknown without asking storage. */
const ID_SHAPE = z.uuid();

export interface IncidentRoutesOptions {
  incidents: IncidentService;
}

/** The four admin routes; the server runs the bearer check before each (`admin: true`). */
export function createIncidentRoutes({ incidents }: IncidentRoutesOptions): RouteSpec[] {
  const idOf = (req: Request, res: Response): string | undefined => {
    const id = ID_SHAPE.safeParse(req.params?.id);
    if (id.success) return id.data;
    notFound(res);
    return undefined;
  };
  return [
    {
      method: 'post',
      path: '/api/admin/incidents',
      name: 'admin-incidents-create',
      admin: true,
      handler: async (req, res) => {
        const body = createSchema.safeParse(req.body);
        if (!body.success) return badRequest(res, body.error);
        const incident = await incidents.declare(withoutUndefined(body.data));
        res.send(201, incident);
      },
    },
    {
      method: 'get',
      path: '/api/admin/incidents',
      name: 'admin-incidents-list',
      admin: true,
      handler: async (req, res) => {
        const open = req.query?.open === 'true' || req.query?.open === '1';
        res.send(200, { incidents: await incidents.store.list({ open }) });
      },
    },
    {
      method: 'get',
      path: '/api/admin/incidents/:id',
      name: 'admin-incidents-get',
      admin: true,
      handler: async (req, res) => {
        const id = idOf(req, res);
        if (!id) return;
        const incident = await incidents.store.get(id);
        if (!incident) return notFound(res);
        res.send(200, incident);
      },
    },
    {
      method: 'patch',
      path: '/api/admin/incidents/:id',
      name: 'admin-incidents-update',
      admin: true,
      handler: async (req, res) => {
        const id = idOf(req, res);
        if (!id) return;
        const body = patchSchema.safeParse(req.body);
        if (!body.success) return badRequest(res, body.error);
        const { update, ...changes } = body.data;
        const outcome = await incidents.store.update(id, {
          fields: withoutUndefined(changes),
          ...(update !== undefined ? { message: update } : {}),
        });
        sendChange(res, outcome);
      },
    },
    {
      method: 'post',
      path: '/api/admin/incidents/:id/resolve',
      name: 'admin-incidents-resolve',
      admin: true,
      // The body is ignored; an empty one is fine.
      body: ['json', 'text'],
      handler: async (req, res) => {
        const id = idOf(req, res);
        if (!id) return;
        const outcome = await incidents.resolve(id);
        if (outcome.kind !== 'ok') return sendChange(res, outcome);
        res.send(200, { ...outcome.incident, notified: outcome.notified });
      },
    },
  ];
}

function sendChange(res: Response, outcome: Awaited<ReturnType<IncidentService['store']['update']>>): void {
  switch (outcome.kind) {
    case 'ok':
      res.send(200, outcome.incident);
      return;
    case 'not_found':
      notFound(res);
      return;
    case 'resolved':
      res.send(409, { error: 'already_resolved', message: 'This incident is resolved and can no longer change.' });
      return;
    case 'too_many_updates':
      res.send(409, { error: 'too_many_updates', message: `An incident keeps at most ${INCIDENT_LIMITS.updates} updates.` });
      return;
    case 'invalid_window':
      res.send(400, {
        error: 'bad_request',
        message: 'endsAt must be after startsAt.',
        problems: [{ field: 'endsAt', problem: 'must be after startsAt' }],
      });
  }
}

function notFound(res: Response): void {
  res.send(404, { error: 'not_found', message: 'No incident with that id.' });
}

/** 400 with the fields that were wrong (paths and zod's messages, never the input echoed back). */
function badRequest(res: Response, error: z.ZodError): void {
  const problems = error.issues.slice(0, 10).map((issue) => ({ field: issue.path.join('.') || '(body)', problem: issue.message }));
  res.send(400, { error: 'bad_request', message: 'The incident is not valid.', problems });
}

/** Drops keys whose value is undefined, so optional fields stay absent in the stored JSON. */
function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
