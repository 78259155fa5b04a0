/**
 * Start-up says what several instances need: the same WEBCHAT_TOKEN_SECRET. Tokens are HMACs, so a token
 * signed by one app verifies on another app with the same secret, and on no app with another.
 */
import { loadConfig } from '../../../src/config';
import { startApp } from '../../../src/index';
import { createLogger } from '../../../src/observability/logger';
import { withRedisServer } from '../../helpers/redis-server';
import { createRequest, jsonHeaders } from './helpers/http-client';

const redis = withRedisServer();

async function startLogged(env: Record<string, string>) {
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger('info', { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'info', PROBE_ALLOW_CIDRS: '127.0.0.0/8', ...env });
  const app = await startApp(config, logger);
  return { app, lines, base: `http://127.0.0.1:${app.port}` };
}

describe('the web chat token secret at start-up', () => {
  it('warns, with Redis and no secret, that every instance needs the same one', async () => {
    const { app, lines } = await startLogged({ STORAGE: redis().url });
    try {
      const warning = lines.find((line) => line.level === 40 && line.msg.includes('WEBCHAT_TOKEN_SECRET'));
      expect(warning?.msg).toMatch(/same WEBCHAT_TOKEN_SECRET/);
    } finally {
      await app.close();
    }
  });

  it('says, with a secret, that every instance needs the same value, and tokens verify across instances', async () => {
    const shared = { STORAGE: redis().url, WEBCHAT_TOKEN_SECRET: 'one-secret-for-the-whole-fleet-0123' };
    const one = await startLogged(shared);
    const two = await startLogged(shared);
    const other = await startLogged({ ...shared, WEBCHAT_TOKEN_SECRET: 'another-secret-entirely-0123456789' });
    try {
      expect(
        one.lines.some((line) => line.level === 30 && line.msg.includes('every instance serving these chats needs the same value')),
      ).toBe(true);
      const issued = await createRequest(one.base)('POST', '/api/webchat/token', { headers: jsonHeaders(), body: '{}' });
      const { token } = issued.json as { token: string };
      const refresh = (base: string) => createRequest(base)('POST', '/v3/directline/tokens/refresh', { headers: jsonHeaders(token) });
      expect((await refresh(two.base)).status).toBe(200);
      expect((await refresh(other.base)).status).toBe(403);
    } finally {
      await one.app.close();
      await two.app.close();
      await other.app.close();
    }
  });
});
