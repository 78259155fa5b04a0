import type { HandoffSummary } from '../../../dialogs/types';
import { caseLines, createHandoffCase } from '../../../src/channels/handoff/handoff-case';

describe('the handed-over case', () => {
  const origin = { channelId: 'webchat', conversationId: 'c1', userName: 'Ana' };

  it('carries only the public digest of each probe and no credentials from the URL', () => {
    const extra = { evidence: [{ kind: 'refused', reason: 'address' }] };
    const probe = { checkedAt: '2026-01-01T00:00:00.000Z', verdict: 'down', advice: 'wait', requestIds: [], ...extra };
    const summary = {
      url: 'https://user:secret@intranet.example/',
      locale: 'en',
      probes: [probe],
      stepsTried: [],
      causes: [],
      lastMessages: [],
    } as unknown as HandoffSummary;
    const handed = createHandoffCase(summary, origin, () => 0);
    expect(handed.summary.url).toBe('https://intranet.example/');
    expect(handed.summary.probes).toEqual([{ checkedAt: '2026-01-01T00:00:00.000Z', verdict: 'down', advice: 'wait', requestIds: [] }]);
    expect(JSON.stringify(handed)).not.toMatch(/secret|refused|address/);
    expect(
      caseLines(handed)
        .map((line) => line.value)
        .join(' '),
    ).not.toContain('secret');
  });
});
