/**
 * Slack workspaces that installed the app through the OAuth flow: each team's bot token and bot user id,
 * on the connection STORAGE opened (memory, a table in the shared SQLite file, or Redis keys
 * `slack:install:<team>`), validated on read. `toInstallationStore` lets @slack/oauth's InstallProvider
 * save into it.
 */
import type { Installation, InstallationQuery, InstallationStore } from '@slack/oauth';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { StorageBackend } from '../../storage/create-storage';
import type { SqliteDatabase } from '../../storage/sqlite-database';

/** What the bot needs of one workspace's installation. */
export interface SlackInstallation {
  teamId: string;
  teamName?: string;
  botToken: string;
  botUserId?: string;
  installedAt: string;
}

/** Per-team installations (one contract, three backends). */
export interface SlackInstallations {
  save(installation: SlackInstallation): Promise<void>;
  get(teamId: string): Promise<SlackInstallation | undefined>;
  remove(teamId: string): Promise<void>;
}

const installationSchema = z.object({
  teamId: z.string().min(1),
  teamName: z.string().optional(),
  botToken: z.string().min(1),
  botUserId: z.string().optional(),
  installedAt: z.string(),
});

function parse(text: string | null | undefined): SlackInstallation | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const parsed = installationSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the store on the connection STORAGE opened. */
export function createSlackInstallations(backend: StorageBackend): SlackInstallations {
  switch (backend.kind) {
    case 'memory': {
      const items = new Map<string, string>();
      return {
        save: async (installation) => void items.set(installation.teamId, JSON.stringify(installation)),
        get: async (teamId) => parse(items.get(teamId)),
        remove: async (teamId) => void items.delete(teamId),
      };
    }
    case 'sqlite':
      return createSqliteInstallations(backend.database);
    case 'redis':
      return createRedisInstallations(backend.client, backend.keyPrefix);
  }
}

function createSqliteInstallations(database: SqliteDatabase): SlackInstallations {
  database.exec('CREATE TABLE IF NOT EXISTS slack_installations (team_id TEXT PRIMARY KEY, installation TEXT NOT NULL)');
  const upsert = database.prepare('INSERT OR REPLACE INTO slack_installations (team_id, installation) VALUES (?, ?)');
  const select = database.prepare<[string], { installation: string }>('SELECT installation FROM slack_installations WHERE team_id = ?');
  const remove = database.prepare('DELETE FROM slack_installations WHERE team_id = ?');
  return {
    save: async (installation) => void upsert.run(installation.teamId, JSON.stringify(installation)),
    get: async (teamId) => parse(select.get(teamId)?.installation),
    remove: async (teamId) => void remove.run(teamId),
  };
}

function createRedisInstallations(client: Redis, keyPrefix: string): SlackInstallations {
  const key = (teamId: string) => `${keyPrefix}slack:install:${teamId}`;
  return {
    save: async (installation) => void (await client.set(key(installation.teamId), JSON.stringify(installation))),
    get: async (teamId) => parse(await client.get(key(teamId))),
    remove: async (teamId) => void (await client.del(key(teamId))),
  };
}

/** @slack/oauth's view of the store: installs are saved per team; enterprise-wide installs are refused. */
export function toInstallationStore(installations: SlackInstallations, now: () => number = Date.now): InstallationStore {
  return {
    async storeInstallation(installation: Installation<'v1' | 'v2', boolean>) {
      const teamId = installation.team?.id;
      const botToken = installation.bot?.token;
      if (!teamId || !botToken) throw new Error('only workspace installations with a bot token are supported');
      await installations.save({
        teamId,
        ...(installation.team?.name ? { teamName: installation.team.name } : {}),
        botToken,
        ...(installation.bot?.userId ? { botUserId: installation.bot.userId } : {}),
        installedAt: new Date(now()).toISOString(),
      });
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const found = query.teamId ? await installations.get(query.teamId) : undefined;
      if (!found) throw new Error('no installation for that team');
      return {
        team: { id: found.teamId, ...(found.teamName ? { name: found.teamName } : {}) },
        enterprise: undefined,
        user: { id: '', token: undefined, scopes: undefined },
        bot: { id: '', userId: found.botUserId ?? '', token: found.botToken, scopes: [] },
      } as Installation<'v2', false>;
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      if (query.teamId) await installations.remove(query.teamId);
    },
  };
}
