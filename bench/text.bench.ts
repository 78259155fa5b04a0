/**
 * `npm run bench:text`: CPU time of every matcher that reads untrusted text, on 256 KiB hostile inputs
 * (test/helpers/hostile-text.ts). Budget (issue 7): any 256 KiB input, however built, is handled in under
 * 50 ms of CPU. Prints the median and the worst of several rounds per matcher and input family, and exits 1
 * when any worst case misses the budget.
 */
import { HOSTILE_GENERATORS, TEXT_MATCHERS, cpuMs } from '../test/helpers/hostile-text';

const INPUT_CHARS = 256 * 1024;
const BUDGET_MS = 50;
const ROUNDS = 7;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

interface Row {
  matcher: string;
  input: string;
  medianMs: number;
  maxMs: number;
}

function main(): number {
  const inputs = HOSTILE_GENERATORS.map((g) => ({ name: g.name, text: g.build(INPUT_CHARS) }));
  // Warm-up: module-level tables, JIT and the first regex compilations are not what a message costs.
  for (const m of TEXT_MATCHERS) for (const input of inputs) m.run(input.text);

  const rows: Row[] = [];
  for (const m of TEXT_MATCHERS) {
    for (const input of inputs) {
      const samples = Array.from({ length: ROUNDS }, () => cpuMs(() => m.run(input.text)));
      rows.push({ matcher: m.name, input: input.name, medianMs: median(samples), maxMs: Math.max(...samples) });
    }
  }

  const width = Math.max(...rows.map((r) => r.input.length));
  for (const m of TEXT_MATCHERS) {
    const mine = rows.filter((r) => r.matcher === m.name);
    const worst = mine.reduce((a, b) => (b.maxMs > a.maxMs ? b : a));
    console.log(`\n${m.name}  (worst: ${worst.maxMs.toFixed(1)} ms on "${worst.input}")`);
    console.log(`  ${'input'.padEnd(width)}  median ms    max ms`);
    for (const r of mine) {
      const flag = r.maxMs > BUDGET_MS ? '  OVER BUDGET' : '';
      console.log(`  ${r.input.padEnd(width)}  ${r.medianMs.toFixed(2).padStart(9)}  ${r.maxMs.toFixed(2).padStart(8)}${flag}`);
    }
  }
  const over = rows.filter((r) => r.maxMs > BUDGET_MS);
  const worst = rows.reduce((a, b) => (b.maxMs > a.maxMs ? b : a));
  console.log(
    `\n${rows.length} matcher x input pairs, ${ROUNDS} rounds each on ${INPUT_CHARS / 1024} KiB inputs; worst ${worst.maxMs.toFixed(1)} ms ` +
      `(${worst.matcher} on "${worst.input}"); budget ${BUDGET_MS} ms: ${over.length === 0 ? 'met' : `missed by ${over.length}`}`,
  );
  return over.length === 0 ? 0 : 1;
}

process.exitCode = main();
