import { buildCore } from '../src/build-core';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/observability/logger';
import { ConsoleAdapter } from '../src/channels/console/console-adapter';
(async () => {
  for (const storage of ['memory', 'sqlite:/tmp/micro2.db']) {
    const core = await buildCore(loadConfig({ STORAGE: storage, LOG_LEVEL: 'silent' }), createLogger('silent'));
    const adapters = Array.from({ length: 100 }, () => new ConsoleAdapter({ onActivity: () => {} }));
    const run = async (n: number) => { for (let i = 0; i < n; i++) { const a = adapters[i % 100]!; await a.process({ type: 'message', text: 'help' }, (c) => core.bot.run(c)); } };
    await run(2000);
    const t = performance.now(); await run(10000);
    console.log(storage, ((performance.now() - t) / 10000 * 1000).toFixed(0), 'µs per turn');
    await core.close();
  }
})();
