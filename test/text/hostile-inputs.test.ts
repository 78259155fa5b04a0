/**
 * Every matcher that reads untrusted text stays cheap on 256 KiB built to make regular expressions backtrack
 * (issue 7). The real budget, 50 ms of CPU, is measured by `npm run bench:text`; here the bound is a generous
 * 250 ms so a busy machine does not fail the suite, while a pattern that backtracks super-linearly (seconds
 * to hours on these inputs) still does.
 */
import { HOSTILE_GENERATORS, TEXT_MATCHERS, cpuMs } from '../helpers/hostile-text';

const INPUT_CHARS = 256 * 1024;
const CPU_LIMIT_MS = 250;

const inputs = HOSTILE_GENERATORS.map((g) => ({ name: g.name, text: g.build(INPUT_CHARS) }));

describe('hostile inputs', () => {
  beforeAll(() => {
    // Module tables, JIT and first regex compilations are paid once per process, not per message.
    for (const m of TEXT_MATCHERS) m.run(inputs[0]?.text.slice(0, 1000) ?? '');
  });

  it('are all exactly 256 KiB and distinct', () => {
    expect(inputs.length).toBeGreaterThanOrEqual(30);
    for (const input of inputs) expect(input.text).toHaveLength(INPUT_CHARS);
    expect(new Set(inputs.map((i) => i.text)).size).toBe(inputs.length);
  });

  it.each(TEXT_MATCHERS.map((m) => [m.name, m] as const))('%s handles each in under 250 ms of CPU', (_name, matcher) => {
    const slow: Array<{ input: string; ms: number }> = [];
    for (const input of inputs) {
      const ms = cpuMs(() => matcher.run(input.text));
      if (ms > CPU_LIMIT_MS) slow.push({ input: input.name, ms: Math.round(ms) });
    }
    expect(slow).toEqual([]);
  });

  it('include the page that froze the event loop in issue 7, which is still recognised when it is a real page', () => {
    const nginx = TEXT_MATCHERS.find((m) => m.name === 'identifyProducer (body)');
    const real = `502 Bad Gateway\n${'\n \n'.repeat(20)}nginx/1.25.3\n`;
    expect(nginx?.run(real)).toMatchObject({ producer: 'nginx' });
    const hostile = `502 Bad Gateway${'\n \n'.repeat(30)}x`;
    expect(cpuMs(() => nginx?.run(hostile))).toBeLessThan(CPU_LIMIT_MS);
  });
});
