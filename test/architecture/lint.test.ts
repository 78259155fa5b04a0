/**
 * `npm test` runs `biome check .` over the repository; this proves the configuration it runs with can fail:
 * a file that reads process.env outside src/config.ts, and a file Biome would format differently, are both
 * refused, and a clean file passes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIOME = path.join(ROOT, 'node_modules', '.bin', 'biome');

function check(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lint-'));
  try {
    // The project's own configuration, minus its git integration (the fixture is not a repository).
    writeFileSync(path.join(dir, 'biome.json'), JSON.stringify({ extends: [path.join(ROOT, 'biome.json')], vcs: { enabled: false } }));
    // Laid out the way Biome lays out JSON, so the configuration file itself passes the check.
    spawnSync(BIOME, ['format', '--write', 'biome.json'], { cwd: dir, timeout: 30_000 });
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    const run = spawnSync(BIOME, ['check', '--colors=off', '.'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the lint configuration', () => {
  it('refuses process.env outside src/config.ts', () => {
    const run = check({ 'src/probe/cli.ts': 'export const port = process.env.PORT;\n' });
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('noProcessEnv');
  });

  it('lets src/config.ts read the environment', () => {
    expect(check({ 'src/config.ts': 'export const port = process.env.PORT;\n' }).status).toBe(0);
  });

  it('refuses code the formatter would change', () => {
    const run = check({ 'src/core/x.ts': 'export const a = "double"\n' });
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('Formatter would have printed');
  });

  it('passes clean code', () => {
    expect(check({ 'dialogs/x.ts': "export const a = 'single';\n" }).status).toBe(0);
  });
});
