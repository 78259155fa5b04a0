// Preloaded by bench/start.bench.ts (`node -r`): reports this process's CPU time (user + system, ms) on fd 3
// when it exits, or when the bench asks with SIGUSR2. CPU time is steadier than wall time on a busy machine.
const { writeSync } = require('node:fs');

let reported = false;
function report() {
  if (reported) return;
  reported = true;
  const { user, system } = process.cpuUsage();
  try {
    writeSync(3, `${JSON.stringify({ cpuMs: (user + system) / 1000 })}\n`);
  } catch {
    // No fd 3: run outside the bench.
  }
}
process.on('exit', report);
process.on('SIGUSR2', () => {
  report();
  process.exit(0);
});
