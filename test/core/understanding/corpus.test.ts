/**
 * The reply corpus through `understand()` and the routing of the state each reply is typed in: prints the
 * accuracy per language and per intent, and fails below 95% for any language.
 */
import { LOCALES } from '../../../src/contracts';
import { understand } from '../../../src/core/understanding';
import { accuracy, report, runCorpus, type CorpusPart } from '../../helpers/understanding-corpus';

/** The quarter held aside joined the test once its honest figure was recorded (test/fixtures/understanding-corpus/README.md). */
const PARTS: readonly CorpusPart[] = ['tuning', 'holdout'];
const MIN_ACCURACY = 95;

describe('reply corpus', () => {
  const outcomes = runCorpus((text, locale) => understand(text, { locale }), PARTS);

  it('has at least 40 replies per language', () => {
    for (const locale of LOCALES) expect(outcomes.filter((o) => o.locale === locale).length).toBeGreaterThanOrEqual(40);
  });

  it.each(LOCALES)(`understands %s at ${MIN_ACCURACY}% or better`, (locale) => {
    const mine = outcomes.filter((o) => o.locale === locale);
    if (locale === LOCALES[0]) console.log(report(outcomes));
    expect(accuracy(mine)).toBeGreaterThanOrEqual(MIN_ACCURACY);
  });
});
