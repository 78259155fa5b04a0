import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  buildTeamsPackage,
  PACKAGE_FILE_NAME,
  readTeamsPackageSources,
  type TeamsPackageSources,
} from '../../../src/channels/teams/app-package';
import { drawColorIcon } from '../../../src/channels/teams/icons';
import { buildManifest, type ManifestError, type TeamsManifest } from '../../../src/channels/teams/manifest';
import { readZipEntries } from './zip-reader';

const APP_ID = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const HOST = 'doctor.example.com';
const GUID = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i;
const REPO_ROOT = path.resolve(__dirname, '../../..');

const sources = readTeamsPackageSources();
const pkg = buildTeamsPackage(sources, { appId: APP_ID, hostName: HOST, version: '1.4.2' });
const files = new Map(readZipEntries(pkg.zip).map((entry) => [entry.name, entry.data]));
const manifest = JSON.parse(files.get('manifest.json')?.toString('utf8') ?? 'null') as TeamsManifest;

/** Width, height and color type straight from the IHDR chunk. */
function pngHeader(png: Buffer): { width: number; height: number; colorType: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.toString('ascii', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), colorType: png[25] as number };
}

/** RGBA pixels of an unfiltered, non-interlaced 8-bit RGBA PNG (what the icon encoder writes). */
function pngPixels(png: Buffer): Uint8Array {
  const { width, height } = pngHeader(png);
  const idat: Buffer[] = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    if (png.toString('ascii', offset + 4, offset + 8) === 'IDAT') idat.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0);
    pixels.set(raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)), y * width * 4);
  }
  return pixels;
}

/** Resolves a localization key such as `staticTabs[1].name` against the manifest. */
function valueAt(root: unknown, key: string): unknown {
  const parts = key.match(/[^.[\]]+/g) ?? [];
  return parts.reduce<unknown>(
    (node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined),
    root,
  );
}

describe('Teams app package', () => {
  it('holds manifest.json, both icons and every localization file at the zip root', () => {
    expect([...files.keys()]).toEqual([
      'manifest.json',
      'color.png',
      'outline.png',
      'es.json',
      'fr.json',
      'de.json',
      'pt-BR.json',
      'ja.json',
    ]);
  });

  it('has the fields the manifest schema requires, with valid values', () => {
    expect(manifest.$schema).toBe('https://developer.microsoft.com/json-schemas/teams/v1.22/MicrosoftTeams.schema.json');
    expect(manifest.manifestVersion).toBe('1.22');
    expect(manifest.version).toBe('1.4.2');
    expect(manifest.id).toMatch(GUID);
    expect(manifest.accentColor).toMatch(/^#[0-9a-fA-F]{6}$/);
    const { websiteUrl, privacyUrl, termsOfUseUrl } = manifest.developer;
    for (const url of [websiteUrl, privacyUrl, termsOfUseUrl]) expect(url).toMatch(/^https:\/\//);
    expect(manifest.developer.name.length).toBeLessThanOrEqual(32);
    expect(manifest.name.short.length).toBeLessThanOrEqual(30);
    expect((manifest.name.full ?? '').length).toBeLessThanOrEqual(100);
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
    expect(manifest.description.full.length).toBeLessThanOrEqual(4000);
    expect(JSON.stringify(manifest)).not.toMatch(/\{\{/);
  });

  it('registers the bot under the given app id in personal, team and group chat scopes', () => {
    expect(manifest.bots).toHaveLength(1);
    expect(manifest.bots?.[0]).toMatchObject({ botId: APP_ID, isNotificationOnly: false, supportsFiles: false });
    expect(manifest.bots?.[0]?.scopes.sort()).toEqual(['groupChat', 'personal', 'team']);
    expect(manifest.id).toBe(APP_ID);
  });

  it('serves the status tab over https from a domain listed in validDomains', () => {
    const tabs = (manifest.staticTabs ?? []).filter((tab) => tab.contentUrl);
    expect(tabs.map((tab) => tab.entityId)).toEqual(['status']);
    for (const tab of tabs) {
      const url = new URL(tab.contentUrl as string);
      expect(url.protocol).toBe('https:');
      expect(url.pathname).toBe('/status');
      expect(manifest.validDomains).toContain(url.host);
      expect(tab.websiteUrl).toMatch(/^https:\/\//);
      expect(tab.scopes).toEqual(['personal']);
    }
  });

  it('packs a 192x192 colour icon and a 32x32 white-on-transparent outline icon', () => {
    const color = files.get(manifest.icons.color) as Buffer;
    const outline = files.get(manifest.icons.outline) as Buffer;
    expect(pngHeader(color)).toMatchObject({ width: 192, height: 192 });
    expect(pngHeader(outline)).toEqual({ width: 32, height: 32, colorType: 6 });

    const pixels = pngPixels(outline);
    let opaque = 0;
    let transparent = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      const alpha = pixels[i + 3] as number;
      if (alpha > 0) expect([pixels[i], pixels[i + 1], pixels[i + 2]]).toEqual([255, 255, 255]);
      if (alpha === 255) opaque++;
      if (alpha === 0) transparent++;
    }
    expect(opaque).toBeGreaterThan(50);
    expect(transparent).toBeGreaterThan(500);

    const colorPixels = pngPixels(color);
    expect(colorPixels[3]).toBe(255); // full bleed: even the corner is opaque
  });

  it('ships one localization file per additional language, each with the same keys, all pointing into the manifest', () => {
    const info = manifest.localizationInfo;
    expect(info?.defaultLanguageTag).toBe('en');
    expect(info?.additionalLanguages?.map((language) => language.languageTag)).toEqual(['es', 'fr', 'de', 'pt-BR', 'ja']);
    const keySets = new Set<string>();
    for (const language of info?.additionalLanguages ?? []) {
      const strings = JSON.parse(files.get(language.file)?.toString('utf8') ?? 'null') as Record<string, string>;
      expect(strings.$schema).toBe('https://developer.microsoft.com/json-schemas/teams/v1.22/MicrosoftTeams.Localization.schema.json');
      const keys = Object.keys(strings).filter((key) => key !== '$schema');
      keySets.add(keys.sort().join('|'));
      expect(keys).toEqual(expect.arrayContaining(['name.short', 'description.short', 'description.full']));
      for (const key of keys) {
        expect({ key, inManifest: typeof valueAt(manifest, key) }).toEqual({ key, inManifest: 'string' });
        expect((strings[key] ?? '').trim()).not.toBe('');
      }
      expect((strings['name.short'] ?? '').length).toBeLessThanOrEqual(30);
      expect((strings['name.full'] ?? '').length).toBeLessThanOrEqual(100);
      expect((strings['description.short'] ?? '').length).toBeLessThanOrEqual(80);
      expect((strings['description.full'] ?? '').length).toBeLessThanOrEqual(4000);
      expect((strings['staticTabs[1].name'] ?? '').length).toBeLessThanOrEqual(128);
    }
    expect(keySets.size).toBe(1);
  });

  it('refuses an icon of the wrong size', () => {
    const wrong: TeamsPackageSources = { ...sources, icons: { ...sources.icons, outline: drawColorIcon(64) } };
    expect(() => buildTeamsPackage(wrong, { appId: APP_ID, hostName: HOST, version: '1.0.0' })).toThrow(/outline icon must be 32x32/);
  });

  it('refuses a manifest that names a missing localization file', () => {
    const missing: TeamsPackageSources = { ...sources, locales: { ...sources.locales, 'ja.json': undefined } };
    expect(() => buildTeamsPackage(missing, { appId: APP_ID, hostName: HOST, version: '1.0.0' })).toThrow(/ja\.json/);
  });
});

describe('buildManifest', () => {
  const template = sources.template;

  it.each([
    [{ appId: 'not-a-guid', hostName: HOST, version: '1.0.0' }, 'invalid_app_id'],
    [{ appId: APP_ID, hostName: 'https://doctor.example.com/', version: '1.0.0' }, 'invalid_host'],
    [{ appId: APP_ID, hostName: 'doctor.example.com/status', version: '1.0.0' }, 'invalid_host'],
    [{ appId: APP_ID, hostName: HOST, version: '1.0' }, 'invalid_version'],
    [{ appId: APP_ID, hostName: HOST, version: '1.0.0', developer: { privacyUrl: 'http://example.com/privacy' } }, 'invalid_url'],
  ])('rejects %j with %s', (options, code) => {
    expect(() => buildManifest(template, options)).toThrow(expect.objectContaining({ code }) as ManifestError);
  });

  it('keeps a port in the host and lets the Teams app id differ from the bot id', () => {
    const teamsAppId = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const built = buildManifest(template, { appId: APP_ID, hostName: 'Doctor.Example.com:8443', version: '2.0.0', teamsAppId });
    expect(built.id).toBe(teamsAppId);
    expect(built.bots?.[0]?.botId).toBe(APP_ID);
    expect(built.staticTabs?.[1]?.contentUrl).toBe('https://doctor.example.com:8443/status');
    expect(built.validDomains).toEqual(['doctor.example.com:8443']);
  });

  it('fails on a placeholder it does not know', () => {
    expect(() => buildManifest({ id: '{{NOPE}}' }, { appId: APP_ID, hostName: HOST, version: '1.0.0' })).toThrow(/NOPE/);
  });
});

describe('scripts/teams-package.ts', () => {
  it('writes the zip from MicrosoftAppId and the host of PUBLIC_URL', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'gd-teams-'));
    try {
      const result = spawnSync(
        process.execPath,
        [path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/teams-package.ts', '--out', out],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, MicrosoftAppId: APP_ID, PUBLIC_URL: `https://${HOST}/` },
          encoding: 'utf8',
        },
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const written = readZipEntries(readFileSync(path.join(out, PACKAGE_FILE_NAME)));
      const built = JSON.parse(written.find((entry) => entry.name === 'manifest.json')?.data.toString() ?? 'null') as TeamsManifest;
      expect(built.bots?.[0]?.botId).toBe(APP_ID);
      expect(built.validDomains).toEqual([HOST]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('exits with 2 and a hint when the app id or host is missing', () => {
    const env = { ...process.env };
    delete env.MicrosoftAppId;
    delete env.PUBLIC_URL;
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/teams-package.ts'], {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--app-id/);
  });

  it('takes the host from PUBLIC_URL only, through the validated configuration', () => {
    const run = (env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/teams-package.ts'], {
        cwd: REPO_ROOT,
        env,
        encoding: 'utf8',
      });
    const { PUBLIC_URL: _ignored, ...rest } = process.env;
    // PUBLIC_HOST was an undocumented second name for the host; PUBLIC_URL is the one the server reads.
    const oldName = run({ ...rest, MicrosoftAppId: APP_ID, PUBLIC_HOST: HOST });
    expect(oldName.status).toBe(2);
    expect(oldName.stderr).toMatch(/PUBLIC_URL/);
    const badConfig = run({ ...rest, MicrosoftAppId: APP_ID, PUBLIC_URL: `https://${HOST}/`, PORT: 'eighty' });
    expect(badConfig.status).toBe(2);
    expect(badConfig.stderr).toMatch(/^invalid configuration:\n {2}PORT: /);
  });
});
