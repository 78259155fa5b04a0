/**
 * The Teams app package: manifest.json, the two icons and the localization files at the root of one zip,
 * ready for "Upload a custom app" or the Teams admin center. `buildTeamsPackage` is pure; reading and
 * writing files happens only in `readTeamsPackageSources` / `writeTeamsPackage` (used by the CLI).
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildManifest, type ManifestOptions, type TeamsManifest } from './manifest';
import { readPngSize } from './png';
import { createZip, type ZipEntry } from './zip';

/** Where the template, icons and localization files live in the repository. */
export const TEAMS_DEPLOY_DIR = path.resolve(__dirname, '../../../deploy/teams');
export const PACKAGE_FILE_NAME = 'gateway-doctor-teams.zip';

/** Pixel sizes Teams requires for the icons named in `icons`. */
export const ICON_SIZES = { color: 192, outline: 32 } as const;

/** The files a package is built from, already read. */
export interface TeamsPackageSources {
  template: unknown;
  icons: { color: Buffer; outline: Buffer };
  /** Localization files by file name (`es.json`), parsed. */
  locales: Record<string, unknown>;
}

export interface TeamsPackage {
  manifest: TeamsManifest;
  /** The zip's entries, in order: manifest.json, icons, localization files. */
  entries: ZipEntry[];
  zip: Buffer;
}

/** Builds the manifest and the zip; throws when an icon has the wrong size or a language file is missing. */
export function buildTeamsPackage(sources: TeamsPackageSources, options: ManifestOptions): TeamsPackage {
  const manifest = buildManifest(sources.template, options);
  for (const kind of ['color', 'outline'] as const) {
    const { width, height } = readPngSize(sources.icons[kind]);
    const expected = ICON_SIZES[kind];
    if (width !== expected || height !== expected) {
      throw new Error(`the ${kind} icon must be ${expected}x${expected} pixels, not ${width}x${height}`);
    }
  }

  const entries: ZipEntry[] = [
    { name: 'manifest.json', data: json(manifest) },
    { name: manifest.icons.color, data: sources.icons.color },
    { name: manifest.icons.outline, data: sources.icons.outline },
  ];
  for (const language of manifest.localizationInfo?.additionalLanguages ?? []) {
    const strings = sources.locales[language.file];
    if (strings === undefined) throw new Error(`the manifest names ${language.file} for ${language.languageTag}, but it is missing`);
    entries.push({ name: language.file, data: json(strings) });
  }
  return { manifest, entries, zip: createZip(entries) };
}

/** Reads the template, icons and `locales/*.json` from a deploy folder (default: deploy/teams). */
export function readTeamsPackageSources(dir: string = TEAMS_DEPLOY_DIR): TeamsPackageSources {
  const locales: Record<string, unknown> = {};
  const localeDir = path.join(dir, 'locales');
  for (const file of readdirSync(localeDir).filter((name) => name.endsWith('.json'))) {
    locales[file] = JSON.parse(readFileSync(path.join(localeDir, file), 'utf8')) as unknown;
  }
  return {
    template: JSON.parse(readFileSync(path.join(dir, 'manifest.template.json'), 'utf8')) as unknown,
    icons: { color: readFileSync(path.join(dir, 'color.png')), outline: readFileSync(path.join(dir, 'outline.png')) },
    locales,
  };
}

/** Writes the package's zip into `outDir` and returns its path. */
export function writeTeamsPackage(pkg: TeamsPackage, outDir: string = path.join(TEAMS_DEPLOY_DIR, 'build')): string {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, PACKAGE_FILE_NAME);
  writeFileSync(file, pkg.zip);
  return file;
}

function json(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
}
