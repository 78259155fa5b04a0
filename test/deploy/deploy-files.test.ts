/**
 * The deployment files, read as their tools would read them (Docker can't run here): the YAML parses, Helm's
 * templates parse once their actions are rendered away, and every port, health path and environment
 * variable they name is one the app really has (src/config.ts's CONFIG_VARIABLES, the server's routes).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const DEFAULT_PORT = loadConfig({}).port;
/** Variables the platform uses to build a configuration variable (Kubernetes' $(REDIS_PASSWORD) in REDIS_URL). */
const HELPER_VARIABLES = new Set(['REDIS_PASSWORD']);
const ROUTES = read('src/server.ts');

function expectKnownVariables(names: Iterable<string>): void {
  const unknown = [...names].filter((name) => !CONFIG_VARIABLES.includes(name) && !HELPER_VARIABLES.has(name));
  expect(unknown).toEqual([]);
}

describe('the routes the deployment files probe', () => {
  it('exist in the server', () => {
    expect(ROUTES).toContain("server.get('/healthz'");
    expect(ROUTES).toContain("server.get('/readyz'");
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));

  it('builds in one stage and runs in a slim Node 20 stage as a non-root user', () => {
    const froms = instructions.filter((l) => l.startsWith('FROM '));
    expect(froms).toHaveLength(2);
    expect(dockerfile).toContain('ARG NODE_VERSION=20');
    for (const from of froms) expect(from).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS (build|runtime)$/);
    expect(instructions.some((l) => /^RUN npm ci\b/.test(l))).toBe(true);
    expect(instructions.some((l) => l.includes('npm run build') && l.includes('npm prune --omit=dev'))).toBe(true);
    const user = instructions.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBe('USER node');
    expect(instructions.at(-1)).toBe('CMD ["node", "dist/src/index.js"]');
  });

  it('exposes PORT (default the config default) and checks /healthz', () => {
    expect(dockerfile).toContain(`ARG PORT=${DEFAULT_PORT}`);
    // The Dockerfile's own variable syntax, spelled out: it is not a template string.
    expect(instructions).toContain(['EXPOSE $', '{PORT}'].join(''));
    const healthcheck = instructions.find((l) => l.startsWith('HEALTHCHECK '));
    expect(healthcheck).toContain('/healthz');
    const env = instructions.filter((l) => l.startsWith('ENV ')).flatMap((l) => [...l.matchAll(/([A-Za-z_]+)=/g)].map((m) => m[1] ?? ''));
    expectKnownVariables(env.filter((name) => name !== 'NODE_ENV'));
  });

  it('keeps local state, secrets and dependencies out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', 'data', '.env', '.git']) expect(ignored).toContain(entry);
  });
});

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  ports?: string[];
  volumes?: string[];
}

describe('deploy/docker-compose.yml', () => {
  const compose = parse(read('deploy/docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
  const services = compose.services;

  it('runs two bots, a probe worker, Redis and a proxy', () => {
    expect(Object.keys(services).sort()).toEqual(['bot1', 'bot2', 'probe-worker', 'proxy', 'redis']);
  });

  it('gives both bots the same shared settings, health check and known variables', () => {
    const [one, two] = [services.bot1, services.bot2];
    expect(one?.environment).toEqual(two?.environment);
    const env = one?.environment ?? {};
    expectKnownVariables(Object.keys(env));
    expect(env.WEBCHAT_TOKEN_SECRET).toMatch(/^\$\{WEBCHAT_TOKEN_SECRET:\?/);
    expect(env.STORAGE).toBe('redis://redis:6379');
    expect(env.PORT).toBe(String(DEFAULT_PORT));
    expect(one?.healthcheck?.test?.join(' ')).toContain(`http://127.0.0.1:${DEFAULT_PORT}/healthz`);
  });

  it('starts the worker with a region on the same Redis', () => {
    const worker = services['probe-worker'];
    expect(worker?.command?.slice(0, 3)).toEqual(['node', 'dist/src/probe/worker/worker-cli.js', '--region']);
    expectKnownVariables(Object.keys(worker?.environment ?? {}));
    expect(worker?.environment?.REDIS_URL).toBe('redis://redis:6379');
  });

  it('balances round robin over both bots with no sticky sessions', () => {
    const caddy = read('deploy/compose/Caddyfile');
    expect(services.proxy?.volumes).toContain('./compose/Caddyfile:/etc/caddy/Caddyfile:ro');
    expect(caddy).toContain(`reverse_proxy bot1:${DEFAULT_PORT} bot2:${DEFAULT_PORT}`);
    expect(caddy).toContain('lb_policy round_robin');
    expect(caddy).toContain('health_uri /healthz');
    expect(caddy).not.toMatch(/lb_policy (cookie|ip_hash|client_ip)/);
  });
});

/**
 * Helm's templates with their actions rendered away: lines holding only an action go, inline actions become
 * a placeholder. What is left must be YAML, and its fixed parts are checked as such.
 */
function renderWithoutActions(template: string): string {
  return template
    .split('\n')
    .filter((line) => !/^\s*\{\{-?[^}]*-?\}\}\s*$/.test(line))
    .map((line) => line.replace(/\{\{-?[^}]*-?\}\}/g, 'x'))
    .join('\n');
}

describe('deploy/helm/gateway-doctor', () => {
  const dir = 'deploy/helm/gateway-doctor';
  const chart = parse(read(`${dir}/Chart.yaml`)) as {
    apiVersion: string;
    name: string;
    dependencies: { name: string; condition: string }[];
  };
  const values = parse(read(`${dir}/values.yaml`)) as {
    port: number;
    config: Record<string, string>;
    secrets: { keys: string[] };
    workers: { regions: string[] };
  };
  const templates = readdirSync(path.join(ROOT, dir, 'templates')).filter((f) => f.endsWith('.yaml'));
  const text = (file: string) => read(`${dir}/templates/${file}`);

  it('is a v2 chart with Redis as an optional dependency', () => {
    expect(chart.apiVersion).toBe('v2');
    expect(chart.name).toBe('gateway-doctor');
    expect(chart.dependencies).toEqual([expect.objectContaining({ name: 'redis', condition: 'redis.enabled' })]);
  });

  it('has the templates a production deployment needs, each parsing as YAML once rendered', () => {
    expect(templates.sort()).toEqual(['deployment.yaml', 'hpa.yaml', 'ingress.yaml', 'pdb.yaml', 'service.yaml', 'worker-deployment.yaml']);
    for (const file of templates) {
      const docs = parseAllDocuments(renderWithoutActions(text(file)));
      expect(docs.flatMap((d) => d.errors)).toEqual([]);
    }
  });

  it('probes /healthz for liveness and /readyz for readiness on the values port', () => {
    expect(values.port).toBe(DEFAULT_PORT);
    const deployment = parse(renderWithoutActions(text('deployment.yaml'))) as {
      spec: {
        template: {
          spec: { containers: { livenessProbe: { httpGet: { path: string } }; readinessProbe: { httpGet: { path: string } } }[] };
        };
      };
    };
    const container = deployment.spec.template.spec.containers[0];
    expect(container?.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container?.readinessProbe.httpGet.path).toBe('/readyz');
    expect(text('deployment.yaml')).toContain('containerPort: {{ .Values.port }}');
  });

  it('names only known variables, in values and in the templates', () => {
    expectKnownVariables(Object.keys(values.config));
    expectKnownVariables(values.secrets.keys);
    const named = [...templates.map(text), read(`${dir}/templates/_helpers.tpl`)].flatMap((t) =>
      [...t.matchAll(/- name: ([A-Za-z_]+)\s*\n\s*(value|valueFrom):/g)].map((m) => m[1] ?? ''),
    );
    expect(named.length).toBeGreaterThan(0);
    expectKnownVariables(named);
  });

  it('runs one worker Deployment per region with the worker command', () => {
    expect(values.workers.regions.length).toBeGreaterThan(0);
    expect(text('worker-deployment.yaml')).toContain('range $region := .Values.workers.regions');
    expect(text('worker-deployment.yaml')).toContain('"dist/src/probe/worker/worker-cli.js", "--region", "{{ $region }}"');
  });
});

describe('deploy/azure/main.bicep', () => {
  const bicep = read('deploy/azure/main.bicep');

  it('declares the parameters the README names, secrets marked secure', () => {
    const params = [...bicep.matchAll(/^param (\w+) /gm)].map((m) => m[1]);
    expect(params).toEqual(
      expect.arrayContaining(['containerImage', 'microsoftAppId', 'microsoftAppPassword', 'webchatTokenSecret', 'adminApiToken', 'port']),
    );
    for (const secret of ['microsoftAppPassword', 'webchatTokenSecret', 'adminApiToken']) {
      expect(bicep).toMatch(new RegExp(`@secure\\(\\)\\n(@\\w+\\(\\d+\\)\\n)?param ${secret} string`));
    }
    const readme = read('deploy/README.md');
    for (const param of params) expect(readme).toContain(param ?? '');
  });

  it('sets only known variables and probes the real health routes', () => {
    const names = [...bicep.matchAll(/\{ name: '([A-Za-z_]+)', (value|secretRef):/g)].map((m) => m[1] ?? '');
    expect(names).toEqual(expect.arrayContaining(['PORT', 'STORAGE', 'MicrosoftAppId', 'WEBCHAT_TOKEN_SECRET', 'REDIS_URL']));
    expectKnownVariables(names);
    expect(bicep).toContain("httpGet: { path: '/healthz', port: port }");
    expect(bicep).toContain("httpGet: { path: '/readyz', port: port }");
    expect(bicep).toContain(`param port int = ${DEFAULT_PORT}`);
  });

  it('creates the Azure Bot with the Teams channel, the Container Apps, and Redis over TLS', () => {
    expect(bicep).toContain("resource azureBot 'Microsoft.BotService/botServices@");
    expect(bicep).toContain("name: 'MsTeamsChannel'");
    expect(bicep).toContain("/api/messages'");
    expect(bicep).toContain("'Microsoft.App/managedEnvironments@");
    expect(bicep).toContain("'Microsoft.Cache/redis@");
    expect(bicep).toContain('enableNonSslPort: false');
    expect(bicep).toContain("stickySessions: { affinity: 'none' }");
  });
});
