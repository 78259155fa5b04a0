/**
 * `npm run probe-worker -- --region NAME`: a probe worker for one region. It reads the same configuration as
 * the bot (REDIS_URL or a redis:// STORAGE, PROBE_TIMEOUT_MS, PROBE_ALLOW_CIDRS, LOG_LEVEL), announces
 * itself with a heartbeat and probes what the bot asks, with its own address rules. Exit code 2 on misuse.
 */
import type { Redis } from 'ioredis';
import { ConfigError, loadConfig, type Config } from '../../config';
import { createLogger } from '../../observability/logger';
import { createOperatorProber } from '../prober';
import { isRegionName, regionUserAgent } from './regional-jobs';

const USAGE = `usage: npm run probe-worker -- --region NAME
  --region NAME   the region this worker probes from (a-z, 0-9 and -, at most 32), e.g. eu or us-east
Needs REDIS_URL (or STORAGE=redis://...): the Redis the bot uses.
`;

/** The region asked for, or why the arguments are unusable. */
export function parseWorkerArgs(argv: readonly string[]): { ok: true; region: string } | { ok: false; error?: string } {
  let region: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--region') {
      region = argv[i + 1];
      i += 1;
    } else if (arg.startsWith('--region=')) {
      region = arg.slice('--region='.length);
    } else if (arg === '--help' || arg === '-h') {
      return { ok: false };
    } else {
      return { ok: false, error: `unknown argument ${JSON.stringify(arg.slice(0, 64))}` };
    }
  }
  if (region === undefined) return { ok: false, error: '--region is required' };
  if (!isRegionName(region)) return { ok: false, error: `invalid region name ${JSON.stringify(region.slice(0, 64))}` };
  return { ok: true, region };
}

async function main(): Promise<number> {
  const args = parseWorkerArgs(process.argv.slice(2));
  if (!args.ok) {
    process.stderr.write(args.error ? `${args.error}\n${USAGE}` : USAGE);
    return 2;
  }
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : 'could not read the configuration\n');
    return 2;
  }
  const redisUrl = config.regions.redisUrl;
  if (!redisUrl) {
    process.stderr.write(`no Redis to meet the bot in: set REDIS_URL (or STORAGE=redis://...)\n${USAGE}`);
    return 2;
  }
  const logger = createLogger(config.logLevel);
  const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
  // BullMQ's blocking reads need requests that wait for a reconnect rather than fail.
  const connection: Redis = new RedisClient(redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const prober = createOperatorProber({
    timeoutMs: config.probe.timeoutMs,
    allowCidrs: config.probe.allowCidrs,
    userAgent: regionUserAgent(args.region),
  });
  // BullMQ is loaded once the arguments and configuration are known to be usable: misuse answers at once.
  const { startProbeWorker } = require('./probe-worker') as typeof import('./probe-worker');
  const worker = await startProbeWorker({ connection, region: args.region, prober, log: logger });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info({ region: args.region }, 'probe worker stopping');
  await worker.close();
  await connection.quit().catch(() => undefined);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`probe worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
