/**
 * `npm run teams:package -- --app-id <MicrosoftAppId> --host <public host> [--version 1.2.3]`
 * Builds deploy/teams/build/gateway-doctor-teams.zip for uploading to Teams. Without the flags, the app id
 * and host come from the bot's own configuration: MicrosoftAppId, and the host of PUBLIC_URL.
 * `--write-icons` redraws deploy/teams/color.png and outline.png first.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildTeamsPackage, readTeamsPackageSources, TEAMS_DEPLOY_DIR, writeTeamsPackage } from '../src/channels/teams/app-package';
import { drawColorIcon, drawOutlineIcon } from '../src/channels/teams/icons';
import { ManifestError } from '../src/channels/teams/manifest';
import { ConfigError, loadConfig, type Config } from '../src/config';
import { hostOf } from '../src/text/url';
import packageJson from '../package.json';

function main(): number {
  const { values } = parseArgs({
    options: {
      'app-id': { type: 'string' },
      host: { type: 'string' },
      version: { type: 'string' },
      'teams-app-id': { type: 'string' },
      'privacy-url': { type: 'string' },
      'terms-url': { type: 'string' },
      'website-url': { type: 'string' },
      out: { type: 'string' },
      'write-icons': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run teams:package -- --app-id <guid> --host <host> [--version x.y.z] [--teams-app-id <guid>]\n' +
        '       [--website-url <https url>] [--privacy-url <https url>] [--terms-url <https url>] [--out <dir>] [--write-icons]\n' +
        'Environment fallbacks: MicrosoftAppId, PUBLIC_URL.\n',
    );
    return 0;
  }

  if (values['write-icons']) {
    writeFileSync(path.join(TEAMS_DEPLOY_DIR, 'color.png'), drawColorIcon());
    writeFileSync(path.join(TEAMS_DEPLOY_DIR, 'outline.png'), drawOutlineIcon());
    process.stdout.write('Icons written to deploy/teams.\n');
  }

  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : 'could not read the configuration\n');
    return 2;
  }
  const appId = values['app-id'] ?? config.bot.appId;
  const hostName = values.host ?? hostOf(config.publicUrl);
  if (!appId || !hostName) {
    process.stderr.write('Give the bot app id (--app-id or MicrosoftAppId) and its public host (--host or PUBLIC_URL).\n');
    return 2;
  }
  try {
    const pkg = buildTeamsPackage(readTeamsPackageSources(), {
      appId,
      hostName,
      version: values.version ?? packageJson.version,
      ...(values['teams-app-id'] ? { teamsAppId: values['teams-app-id'] } : {}),
      developer: {
        ...(values['website-url'] ? { websiteUrl: values['website-url'] } : {}),
        ...(values['privacy-url'] ? { privacyUrl: values['privacy-url'] } : {}),
        ...(values['terms-url'] ? { termsOfUseUrl: values['terms-url'] } : {}),
      },
    });
    const file = writeTeamsPackage(pkg, values.out);
    process.stdout.write(
      `Teams app package written to ${path.relative(process.cwd(), file)} (${pkg.entries.map((e) => e.name).join(', ')}).\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof ManifestError ? `${err.code}: ` : ''}${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = main();
