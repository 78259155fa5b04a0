/**
 * The Teams app manifest: `deploy/teams/manifest.template.json` filled in for one deployment (bot app id,
 * public host, version). Pure: the template comes in as data; reading files is `app-package.ts`'s job.
 */
import { ICON_ACCENT } from './icons';

/** The manifest as JSON; only the parts this project reads are typed. */
export interface TeamsManifest {
  $schema: string;
  manifestVersion: string;
  version: string;
  id: string;
  localizationInfo?: {
    defaultLanguageTag: string;
    defaultLanguageFile?: string;
    additionalLanguages?: { languageTag: string; file: string }[];
  };
  developer: { name: string; websiteUrl: string; privacyUrl: string; termsOfUseUrl: string };
  name: { short: string; full?: string };
  description: { short: string; full: string };
  icons: { color: string; outline: string };
  accentColor: string;
  bots?: { botId: string; scopes: string[]; supportsFiles?: boolean; isNotificationOnly?: boolean }[];
  staticTabs?: { entityId: string; name?: string; contentUrl?: string; websiteUrl?: string; scopes: string[] }[];
  validDomains?: string[];
  [other: string]: unknown;
}

export interface ManifestOptions {
  /** The bot's Microsoft App ID (MicrosoftAppId), a GUID. */
  appId: string;
  /** Public host name of the bot (no scheme, no path), e.g. `doctor.example.com` or `doctor.example.com:8443`. */
  hostName: string;
  /** App version, semver `major.minor.patch`; raise it for every upload. */
  version: string;
  /** The Teams app id; defaults to the bot's app id, which is how most single-bot apps are registered. */
  teamsAppId?: string;
  developer?: { name?: string; websiteUrl?: string; privacyUrl?: string; termsOfUseUrl?: string };
}

/** Why a manifest could not be built; `code` is stable, the message names the offending value. */
export class ManifestError extends Error {
  constructor(
    readonly code: 'invalid_app_id' | 'invalid_host' | 'invalid_version' | 'invalid_url' | 'unknown_placeholder',
    message: string,
  ) {
    super(message);
    this.name = 'ManifestError';
  }
}

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
// A DNS name (labels of letters, digits and inner hyphens) with an optional port; no scheme, path or user.
const HOST = /^(?=.{1,253}(:|$))([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/i;
const PLACEHOLDER = /\{\{([A-Z_]+)\}\}/g;

/** Fills the template's `{{PLACEHOLDER}}`s for one deployment, after checking the values Teams checks. */
export function buildManifest(template: unknown, options: ManifestOptions): TeamsManifest {
  const hostName = options.hostName.trim().toLowerCase();
  if (!GUID.test(options.appId)) throw new ManifestError('invalid_app_id', `MicrosoftAppId is not a GUID: ${options.appId}`);
  const teamsAppId = options.teamsAppId ?? options.appId;
  if (!GUID.test(teamsAppId)) throw new ManifestError('invalid_app_id', `Teams app id is not a GUID: ${teamsAppId}`);
  if (!HOST.test(hostName)) {
    throw new ManifestError('invalid_host', `host must be a bare host name such as doctor.example.com: ${options.hostName}`);
  }
  if (!SEMVER.test(options.version)) throw new ManifestError('invalid_version', `version must be x.y.z: ${options.version}`);

  const site = `https://${hostName}/`;
  const developer = {
    name: options.developer?.name ?? 'Gateway Doctor',
    websiteUrl: httpsUrl(options.developer?.websiteUrl ?? site),
    privacyUrl: httpsUrl(options.developer?.privacyUrl ?? site),
    termsOfUseUrl: httpsUrl(options.developer?.termsOfUseUrl ?? site),
  };
  const values: Record<string, string> = {
    APP_ID: options.appId.toLowerCase(),
    TEAMS_APP_ID: teamsAppId.toLowerCase(),
    HOST: hostName,
    VERSION: options.version,
    ACCENT_COLOR: ICON_ACCENT,
    DEVELOPER_NAME: developer.name.slice(0, 32),
    WEBSITE_URL: developer.websiteUrl,
    PRIVACY_URL: developer.privacyUrl,
    TERMS_URL: developer.termsOfUseUrl,
  };
  return fillPlaceholders(template, values) as TeamsManifest;
}

function httpsUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ManifestError('invalid_url', `not a URL: ${value}`);
  }
  if (url.protocol !== 'https:') throw new ManifestError('invalid_url', `Teams requires https URLs: ${value}`);
  return url.toString();
}

function fillPlaceholders(node: unknown, values: Record<string, string>): unknown {
  if (typeof node === 'string') {
    return node.replace(PLACEHOLDER, (_match, name: string) => {
      const value = values[name];
      if (value === undefined) throw new ManifestError('unknown_placeholder', `unknown placeholder {{${name}}}`);
      return value;
    });
  }
  if (Array.isArray(node)) return node.map((item) => fillPlaceholders(item, values));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, fillPlaceholders(value, values)]));
  }
  return node;
}
