/**
 * `GET /api/admin/analytics?from=&to=` (bearer ADMIN_API_TOKEN): the hourly analytics as JSON, or as CSV
 * with `Accept: text/csv` or `?format=csv`. Dates are ISO 8601 (a date, or a date and time with `Z` or an
 * offset); a range is at most MAX_RANGE_DAYS long. Anything else is a 400 with a JSON error.
 */
import type { Request, Response } from 'restify';
import { z } from 'zod';
import { bearerMatches, type RouteSpec } from '../server';
import { ANALYTICS_GROUPS, type Analytics, type AnalyticsFigures, type AnalyticsReport } from './analytics';

/** Longest range one request may ask for: a quarter, hourly, is 2,208 buckets. */
export const MAX_RANGE_DAYS = 92;
/** Without `from`, the report covers this long before `to`. */
const DEFAULT_RANGE_MS = 24 * 3_600_000;
/** No ISO date is longer than this; longer parameters are refused before any parsing. */
const MAX_PARAM_CHARS = 40;

const isoDate = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
const querySchema = z.object({
  from: z.string().max(MAX_PARAM_CHARS).pipe(isoDate).optional(),
  to: z.string().max(MAX_PARAM_CHARS).pipe(isoDate).optional(),
  format: z.enum(['json', 'csv']).optional(),
});

export interface AnalyticsRoutesDeps {
  analytics: Analytics;
  /** The admin API is off (404) without it, like every other admin route. */
  adminApiToken?: string;
  now?: () => number;
}

type RangeResult = { ok: true; fromMs: number; toMs: number; csv: boolean } | { ok: false; error: string; message: string };

/** Reads and checks the query: dates, their order, the range's length and the format. */
export function parseAnalyticsQuery(query: unknown, accept: string | undefined, now: number): RangeResult {
  const parsed = querySchema.safeParse(typeof query === 'object' && query !== null ? query : {});
  if (!parsed.success) {
    return {
      ok: false,
      error: 'bad_query',
      message: 'from and to must be ISO 8601 dates (2026-11-30 or 2026-11-30T10:00:00Z); format json or csv.',
    };
  }
  const { from, to, format } = parsed.data;
  const toMs = to === undefined ? now : Date.parse(to);
  const fromMs = from === undefined ? toMs - DEFAULT_RANGE_MS : Date.parse(from);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs))
    return { ok: false, error: 'bad_query', message: 'from and to must be real dates.' };
  if (fromMs > toMs) return { ok: false, error: 'bad_range', message: 'from must not be after to.' };
  if (toMs - fromMs > MAX_RANGE_DAYS * 24 * 3_600_000) {
    return { ok: false, error: 'range_too_large', message: `Ask for at most ${MAX_RANGE_DAYS} days at once.` };
  }
  const csv = format === 'csv' || (format === undefined && /\btext\/csv\b/i.test((accept ?? '').slice(0, 500)));
  return { ok: true, fromMs, toMs, csv };
}

/**
 * A cell safe for spreadsheets: one starting with = + - @ (or a tab or carriage return) is prefixed with a
 * quote so it is never run as a formula (CSV injection); quotes, commas and line breaks are quoted.
 */
export function csvCell(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The report as CSV: one row per hour, group and key (`hour,group,key,count`), the totals under hour `total`. */
export function analyticsCsv(report: AnalyticsReport): string {
  const rows: Array<Array<string | number>> = [['hour', 'group', 'key', 'count']];
  const add = (hour: string, figures: AnalyticsFigures) => {
    rows.push([hour, 'checks', 'all', figures.checks]);
    for (const group of ANALYTICS_GROUPS) {
      for (const [key, n] of Object.entries(figures[group])) rows.push([hour, group, key, n]);
    }
  };
  for (const { hour, ...figures } of report.hours) add(hour, figures);
  add('total', report.totals);
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** The analytics route, guarded by the admin bearer token. */
export function createAnalyticsRoutes({ analytics, adminApiToken, now = Date.now }: AnalyticsRoutesDeps): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/api/admin/analytics',
      name: 'admin-analytics',
      handler: async (req: Request, res: Response) => {
        if (!adminApiToken) {
          res.send(404, { error: 'not_found', message: 'The admin API is off: set ADMIN_API_TOKEN to enable it.' });
          return;
        }
        if (!bearerMatches(req.header('authorization'), adminApiToken)) {
          res.setHeader('WWW-Authenticate', 'Bearer');
          res.send(401, { error: 'unauthorized', message: 'A valid bearer token is required.' });
          return;
        }
        const range = parseAnalyticsQuery(req.query, req.header('accept'), now());
        if (!range.ok) {
          res.send(400, { error: range.error, message: range.message });
          return;
        }
        const report = await analytics.report(range.fromMs, range.toMs);
        if (!range.csv) {
          res.send(200, report);
          return;
        }
        const body = analyticsCsv(report);
        res.writeHead(200, {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': 'attachment; filename="gateway-doctor-analytics.csv"',
          'Content-Length': Buffer.byteLength(body),
        });
        res.end(body);
      },
    },
  ];
}
