/** A stray throw in a timer or a forgotten rejection is logged, and the process keeps serving. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

describe('installProcessGuards', () => {
  it('keeps a process alive through an uncaught exception and an unhandled rejection, and logs both', () => {
    const script = `
      const { installProcessGuards } = require('./src/observability/process-guards');
      const { createLogger } = require('./src/observability/logger');
      installProcessGuards(createLogger('error'));
      setTimeout(() => { throw new Error('boom in a timer'); }, 5);
      setTimeout(() => { Promise.reject(new Error('forgotten rejection')); }, 10);
      setTimeout(() => { process.stdout.write('\\nstill alive\\n'); }, 60);
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('still alive');
    const lines = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string });
    expect(lines.map((line) => line.msg)).toEqual([
      expect.stringContaining('uncaught exception'),
      expect.stringContaining('unhandled promise rejection'),
    ]);
  });

  it('without the guards the same timer ends the process (the test above can fail)', () => {
    const run = spawnSync(process.execPath, ['-e', "setTimeout(() => { throw new Error('boom'); }, 5); setTimeout(() => {}, 200);"], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).not.toBe(0);
  });
});
