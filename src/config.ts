/**
 * Environment -> typed, validated, frozen configuration. The only module that reads `process.env`
 * (docs/architecture.md, Conventions): everything else receives its options as an argument.
 */
import proxyAddr from 'proxy-addr';
import { z } from 'zod';
import { LOCALES, type LocaleId } from './contracts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Comma-separated list -> trimmed, non-empty items. */
const csv = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const positiveInt = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return parsed;
    });

const storageSpec = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const spec = value === undefined || value.trim() === '' ? 'sqlite:./data/gateway-doctor.db' : value.trim();
    if (spec === 'memory') return { kind: 'memory' as const };
    if (spec.startsWith('sqlite:')) {
      const path = spec.slice('sqlite:'.length);
      if (path === '') {
        ctx.addIssue({ code: 'custom', message: 'sqlite: needs a file path, e.g. sqlite:./data/gateway-doctor.db' });
        return z.NEVER;
      }
      return { kind: 'sqlite' as const, path };
    }
    if (spec.startsWith('redis://') || spec.startsWith('rediss://')) return { kind: 'redis' as const, url: spec };
    ctx.addIssue({ code: 'custom', message: 'must be memory, sqlite:<path> or redis://...' });
    return z.NEVER;
  });

/**
 * TRUST_PROXY: empty (trust no proxy: the socket's address is the client), a hop count (`1` = one proxy in
 * front), or comma-separated addresses/CIDRs of the proxies (proxy-addr's keywords `loopback`,
 * `linklocal`, `uniquelocal` too).
 */
const trustProxySpec = z
  .string()
  .optional()
  .transform((value, ctx): TrustProxy => {
    const spec = (value ?? '').trim();
    if (spec === '' || spec === '0' || spec.toLowerCase() === 'false') return { kind: 'none' };
    if (/^\d{1,2}$/.test(spec)) return { kind: 'hops', hops: Number(spec) };
    const cidrs = spec
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
    try {
      proxyAddr.compile(cidrs);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `must be a hop count or proxy addresses/CIDRs (${(error as Error).message})` });
      return z.NEVER;
    }
    return { kind: 'cidrs', cidrs };
  });

/**
 * STATUS_FEEDS: comma-separated `id=url` pairs, where id is a status feed's id (`cloudflare`, `github`...)
 * or a producer id (`caddy`), and url an http(s) feed (Statuspage summary.json, RSS or Atom).
 */
const statusFeedsSpec = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const feeds: Record<string, string> = {};
    for (const pair of (value ?? '').split(',')) {
      const item = pair.trim();
      if (item === '') continue;
      const eq = item.indexOf('=');
      const id = eq > 0 ? item.slice(0, eq).trim().toLowerCase() : '';
      const url = eq > 0 ? item.slice(eq + 1).trim() : '';
      let protocol = '';
      try {
        protocol = new URL(url).protocol;
      } catch {
        protocol = '';
      }
      if (!/^[a-z0-9-]{1,40}$/.test(id) || (protocol !== 'https:' && protocol !== 'http:')) {
        ctx.addIssue({
          code: 'custom',
          message: `"${item.slice(0, 80)}" must be id=http(s)://url, e.g. cloudflare=https://www.cloudflarestatus.com/api/v2/summary.json`,
        });
        return z.NEVER;
      }
      feeds[id] = url;
    }
    return feeds;
  });

/**
 * HANDOFF_CONTACT_URL: where people reach the help desk when no target takes cases. Shown to people as a
 * link, so only https: and mailto: (never javascript:, data: or plain http), no credentials, bounded.
 */
const contactUrl = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const text = (value ?? '').trim();
    if (text === '') return undefined;
    let url: URL | undefined;
    try {
      url = text.length <= 2000 ? new URL(text) : undefined;
    } catch {
      url = undefined;
    }
    if (
      !url ||
      !['https:', 'mailto:'].includes(url.protocol) ||
      url.username ||
      url.password ||
      (url.protocol === 'https:' && !url.hostname)
    ) {
      ctx.addIssue({ code: 'custom', message: 'must be an https: or mailto: address (at most 2000 characters, no credentials)' });
      return z.NEVER;
    }
    return url.href;
  });

/** Which proxies in front of the bot may tell it the client's address (X-Forwarded-For). */
export type TrustProxy = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'cidrs'; cidrs: string[] };

const envSchema = z.object({
  PORT: positiveInt(3978, 0, 65535),
  STORAGE: storageSpec,
  MicrosoftAppId: optionalText,
  MicrosoftAppPassword: optionalText,
  MicrosoftAppTenantId: optionalText,
  MicrosoftAppType: z
    .enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI'])
    .optional()
    .or(z.literal('').transform(() => undefined)),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_BOT_TOKEN: optionalText,
  SLACK_API_URL: optionalText,
  SLACK_CLIENT_ID: optionalText,
  SLACK_CLIENT_SECRET: optionalText,
  WEBCHAT_TOKEN_SECRET: optionalText,
  WEBCHAT_ALLOWED_ORIGINS: csv,
  DIRECTLINE_SECRET: optionalText,
  PROBE_ALLOW_CIDRS: csv,
  PROBE_TIMEOUT_MS: positiveInt(4000, 100, 60000),
  // Where probe workers in other regions meet the bot (their queues and heartbeats); default: STORAGE's Redis.
  REDIS_URL: optionalText.refine((value) => value === undefined || /^rediss?:\/\//.test(value), 'must be redis://... or rediss://...'),
  WATCH_INTERVAL_MS: positiveInt(60000, 1000, 86_400_000),
  ADMIN_API_TOKEN: optionalText,
  ADMIN_USERS: csv,
  HANDOFF_WEBHOOK_URL: optionalText,
  HANDOFF_WEBHOOK_SECRET: optionalText,
  HANDOFF_SLACK_CHANNEL: optionalText,
  HANDOFF_TEAMS_CHANNEL: optionalText,
  HANDOFF_TEAMS_SERVICE_URL: optionalText,
  HANDOFF_CONTACT_URL: contactUrl,
  PUBLIC_URL: optionalText,
  TRUST_PROXY: trustProxySpec,
  // At least 2: a watch lasts 24 h, and its "I stopped watching" message must outlive it.
  STATE_TTL_DAYS: positiveInt(30, 2, 3650),
  METRICS_TOKEN: optionalText,
  STATUS_HOSTS: csv,
  CROWD_THRESHOLD: positiveInt(5, 2, 100_000),
  STATUS_FEEDS: statusFeedsSpec,
  DEFAULT_LOCALE: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return 'en' as LocaleId;
      const match = LOCALES.find((l) => l.toLowerCase() === value.trim().toLowerCase());
      if (!match) {
        ctx.addIssue({ code: 'custom', message: `must be one of ${LOCALES.join(', ')}` });
        return z.NEVER;
      }
      return match;
    }),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const level = value === undefined || value.trim() === '' ? 'info' : value.trim().toLowerCase();
      if (!(LOG_LEVELS as readonly string[]).includes(level)) {
        ctx.addIssue({ code: 'custom', message: `must be one of ${LOG_LEVELS.join(', ')}` });
        return z.NEVER;
      }
      return level as (typeof LOG_LEVELS)[number];
    }),
  // Read by the terminal commands only (the server ignores them), here so that no other module reads the environment.
  LANG: optionalText,
  NO_COLOR: z.string().optional(),
  BENCH_SECONDS: positiveInt(10, 1, 3600),
});

/** Every environment variable the configuration reads (documented in README.md and deploy/.env.example). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export type StorageConfig = z.output<typeof envSchema>['STORAGE'];

/** The whole validated configuration, as the composition root sees it. */
export interface Config {
  port: number;
  storage: StorageConfig;
  bot: {
    appId?: string;
    appPassword?: string;
    appTenantId?: string;
    appType?: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  };
  /** `clientId` and `clientSecret` turn on the OAuth install flow for several workspaces. */
  slack: { signingSecret?: string; botToken?: string; apiUrl?: string; clientId?: string; clientSecret?: string };
  webchat: { tokenSecret?: string; allowedOrigins: string[]; directLineSecret?: string };
  probe: { allowCidrs: string[]; timeoutMs: number };
  /** Probe workers in other regions: the Redis they share with the bot (REDIS_URL, else STORAGE's); none = local probe only. */
  regions: { redisUrl?: string };
  watch: { intervalMs: number };
  admin: { apiToken?: string; users: string[] };
  handoff: {
    webhookUrl?: string;
    webhookSecret?: string;
    slackChannel?: string;
    teamsChannel?: string;
    teamsServiceUrl: string;
    /** Offered instead of a dead end when no target takes cases (https: or mailto:). */
    contactUrl?: string;
  };
  /** The bot's public base URL (behind a proxy), for Direct Line stream URLs and the Teams package. */
  publicUrl?: string;
  /** Proxies whose X-Forwarded-For is believed for the client's address. */
  trustProxy: TrustProxy;
  /** Conversation snapshots and de-duplication entries older than this are dropped (every storage). */
  stateTtlDays: number;
  /** Bearer token for /metrics; open without it. */
  metricsToken?: string;
  /** Hosts the public status board may list (lower-cased); everything else is admin-only. */
  statusHosts: string[];
  /** Crowd reports: distinct people asking about one host in the window that make a crowd (CROWD_THRESHOLD). */
  crowd: { threshold: number };
  /** STATUS_FEEDS: feed or producer id -> feed URL, over the built-in table (src/incidents/status-feeds.ts). */
  statusFeeds: Record<string, string>;
  defaultLocale: LocaleId;
  logLevel: (typeof LOG_LEVELS)[number];
  /** What only the terminal commands read. */
  commands: {
    /** `npm run chat`'s language: LANG without its encoding (`de_DE` of `de_DE.UTF-8`); unset = DEFAULT_LOCALE. */
    chatLocale?: string;
    /** NO_COLOR set to anything (https://no-color.org): `npm run probe` prints no colours. */
    noColor: boolean;
    /** How long each timed load of `npm run bench` runs, in seconds. */
    benchSeconds: number;
  };
}

/** Thrown when the environment cannot be turned into a configuration; lists every bad variable. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment (defaults to `process.env`). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const config: Config = {
    port: e.PORT,
    storage: e.STORAGE,
    bot: {
      appId: e.MicrosoftAppId,
      appPassword: e.MicrosoftAppPassword,
      appTenantId: e.MicrosoftAppTenantId,
      appType: e.MicrosoftAppType,
    },
    slack: {
      signingSecret: e.SLACK_SIGNING_SECRET,
      botToken: e.SLACK_BOT_TOKEN,
      apiUrl: e.SLACK_API_URL,
      clientId: e.SLACK_CLIENT_ID,
      clientSecret: e.SLACK_CLIENT_SECRET,
    },
    webchat: {
      tokenSecret: e.WEBCHAT_TOKEN_SECRET,
      allowedOrigins: e.WEBCHAT_ALLOWED_ORIGINS,
      directLineSecret: e.DIRECTLINE_SECRET,
    },
    probe: { allowCidrs: e.PROBE_ALLOW_CIDRS, timeoutMs: e.PROBE_TIMEOUT_MS },
    regions: { redisUrl: e.REDIS_URL ?? (e.STORAGE.kind === 'redis' ? e.STORAGE.url : undefined) },
    watch: { intervalMs: e.WATCH_INTERVAL_MS },
    admin: { apiToken: e.ADMIN_API_TOKEN, users: e.ADMIN_USERS },
    handoff: {
      webhookUrl: e.HANDOFF_WEBHOOK_URL,
      webhookSecret: e.HANDOFF_WEBHOOK_SECRET,
      slackChannel: e.HANDOFF_SLACK_CHANNEL,
      teamsChannel: e.HANDOFF_TEAMS_CHANNEL,
      // Teams' public service URL for proactive posts into a channel.
      teamsServiceUrl: e.HANDOFF_TEAMS_SERVICE_URL ?? 'https://smba.trafficmanager.net/teams/',
      contactUrl: e.HANDOFF_CONTACT_URL,
    },
    publicUrl: e.PUBLIC_URL,
    trustProxy: e.TRUST_PROXY,
    stateTtlDays: e.STATE_TTL_DAYS,
    metricsToken: e.METRICS_TOKEN,
    statusHosts: e.STATUS_HOSTS.map((host) => host.toLowerCase()),
    crowd: { threshold: e.CROWD_THRESHOLD },
    statusFeeds: e.STATUS_FEEDS,
    defaultLocale: e.DEFAULT_LOCALE,
    logLevel: e.LOG_LEVEL,
    commands: {
      chatLocale: e.LANG?.split('.')[0] || undefined,
      noColor: Boolean(e.NO_COLOR),
      benchSeconds: e.BENCH_SECONDS,
    },
  };
  return deepFreeze(config);
}

/** The layers of `environmentWith`; each is variable name -> value. */
export interface EnvironmentLayers {
  /** Used where this process's environment leaves a variable unset. */
  defaults?: Readonly<Record<string, string>>;
  /** Win over this process's environment. */
  overrides?: Readonly<Record<string, string>>;
}

/**
 * This process's environment with a command's own `defaults` under it and `overrides` over it: for
 * `loadConfig` in a command whose defaults differ from the server's (`npm run chat` keeps its conversation in
 * memory), or for a child process this one starts (`npm run bench` starts the server it measures).
 */
export function environmentWith({ defaults = {}, overrides = {} }: EnvironmentLayers): NodeJS.ProcessEnv {
  return { ...defaults, ...process.env, ...overrides };
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}
