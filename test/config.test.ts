import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES, ConfigError, environmentWith, loadConfig } from '../src/config';

describe('loadConfig', () => {
  it('gives working defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3978);
    expect(config.storage).toEqual({ kind: 'sqlite', path: './data/gateway-doctor.db' });
    expect(config.probe).toEqual({ allowCidrs: [], timeoutMs: 4000 });
    expect(config.defaultLocale).toBe('en');
    expect(config.logLevel).toBe('info');
    expect(config.bot.appId).toBeUndefined();
    expect(Object.isFrozen(config.probe)).toBe(true);
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      PORT: '8080',
      STORAGE: 'redis://127.0.0.1:6379',
      MicrosoftAppId: ' app-id ',
      MicrosoftAppType: 'SingleTenant',
      PROBE_ALLOW_CIDRS: '10.0.0.0/8, fd00::/8 ,',
      PROBE_TIMEOUT_MS: '2500',
      WEBCHAT_ALLOWED_ORIGINS: 'https://help.example.com',
      ADMIN_USERS: 'u1,u2',
      DEFAULT_LOCALE: 'pt-br',
      LOG_LEVEL: 'DEBUG',
    });
    expect(config.port).toBe(8080);
    expect(config.storage).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379' });
    expect(config.bot.appId).toBe('app-id');
    expect(config.bot.appType).toBe('SingleTenant');
    expect(config.probe.allowCidrs).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(config.probe.timeoutMs).toBe(2500);
    expect(config.webchat.allowedOrigins).toEqual(['https://help.example.com']);
    expect(config.admin.users).toEqual(['u1', 'u2']);
    expect(config.defaultLocale).toBe('pt-BR');
    expect(config.logLevel).toBe('debug');
  });

  it('names every bad variable at once', () => {
    let thrown: unknown;
    try {
      loadConfig({ PORT: 'eighty', STORAGE: 'postgres://x', PROBE_TIMEOUT_MS: '5', DEFAULT_LOCALE: 'xx' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const problems = (thrown as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'STORAGE', 'PROBE_TIMEOUT_MS', 'DEFAULT_LOCALE']) expect(problems).toContain(name);
  });

  it('accepts memory storage and refuses an empty sqlite path', () => {
    expect(loadConfig({ STORAGE: 'memory' }).storage).toEqual({ kind: 'memory' });
    expect(() => loadConfig({ STORAGE: 'sqlite:' })).toThrow(ConfigError);
  });
});

describe('the second wave of hardening variables', () => {
  it('has safe defaults', () => {
    const config = loadConfig({});
    expect(config.trustProxy).toEqual({ kind: 'none' });
    expect(config.stateTtlDays).toBe(30);
    expect(config.metricsToken).toBeUndefined();
    expect(config.statusHosts).toEqual([]);
  });

  it('reads TRUST_PROXY as a hop count or as proxy addresses', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toEqual({ kind: 'hops', hops: 2 });
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toEqual({ kind: 'none' });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback' }).trustProxy).toEqual({ kind: 'cidrs', cidrs: ['10.0.0.0/8', 'loopback'] });
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99' })).toThrow(ConfigError);
  });

  it('keeps STATE_TTL_DAYS long enough for a watch to say goodbye', () => {
    expect(loadConfig({ STATE_TTL_DAYS: '7' }).stateTtlDays).toBe(7);
    expect(() => loadConfig({ STATE_TTL_DAYS: '1' })).toThrow(ConfigError);
    expect(() => loadConfig({ STATE_TTL_DAYS: 'forever' })).toThrow(ConfigError);
  });

  it('lower-cases STATUS_HOSTS and trims METRICS_TOKEN', () => {
    const config = loadConfig({ STATUS_HOSTS: 'Shop.Example.com, www.example.org', METRICS_TOKEN: ' scrape ' });
    expect(config.statusHosts).toEqual(['shop.example.com', 'www.example.org']);
    expect(config.metricsToken).toBe('scrape');
  });
});

describe('what only the terminal commands read', () => {
  it('has defaults that leave the server as it was', () => {
    expect(loadConfig({}).commands).toEqual({ noColor: false, benchSeconds: 10 });
  });

  it('reads the chat language from LANG without its encoding', () => {
    expect(loadConfig({ LANG: 'de_DE.UTF-8' }).commands.chatLocale).toBe('de_DE');
    expect(loadConfig({ LANG: 'ja' }).commands.chatLocale).toBe('ja');
    expect(loadConfig({ LANG: '' }).commands.chatLocale).toBeUndefined();
  });

  it('turns colours off for any NO_COLOR but an empty one', () => {
    expect(loadConfig({ NO_COLOR: '1' }).commands.noColor).toBe(true);
    expect(loadConfig({ NO_COLOR: '' }).commands.noColor).toBe(false);
  });

  it('takes BENCH_SECONDS as whole seconds', () => {
    expect(loadConfig({ BENCH_SECONDS: '3' }).commands.benchSeconds).toBe(3);
    expect(() => loadConfig({ BENCH_SECONDS: 'ten' })).toThrow(ConfigError);
  });

  it("layers a command's defaults under the environment and overrides over it", () => {
    const path = environmentWith({}).PATH;
    expect(path).toBeDefined();
    const env = environmentWith({ defaults: { PATH: 'default', GD_TEST_UNSET: 'default' }, overrides: { GD_TEST_OVERRIDE: 'over' } });
    expect(env.PATH).toBe(path);
    expect(env.GD_TEST_UNSET).toBe('default');
    expect(env.GD_TEST_OVERRIDE).toBe('over');
    expect(environmentWith({ overrides: { PATH: 'over' } }).PATH).toBe('over');
  });
});

describe('configuration documentation', () => {
  const root = path.join(__dirname, '..');
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const example = readFileSync(path.join(root, 'deploy/.env.example'), 'utf8');

  it.each(CONFIG_VARIABLES)('%s is documented in the README and deploy/.env.example', (name) => {
    expect(readme).toContain(`\`${name}\``);
    expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
  });
});
