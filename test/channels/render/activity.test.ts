import { publicChannelData, renderReplyActivity } from '../../../src/channels/render/activity';
import type { GatewayDoctorChannelData } from '../../../src/contracts';

const t = (key: string) => key;

describe('channelData.gatewayDoctor', () => {
  it('carries only its documented fields, whatever the status object holds', () => {
    const extra = { evidence: [{ kind: 'refused', reason: 'address' }], addresses: ['10.0.0.7'] };
    const status = { state: 'user.unreachable', verdict: 'down', advice: 'wait', ...extra } as GatewayDoctorChannelData;
    const sent = publicChannelData(status);
    expect(sent).toEqual({ state: 'user.unreachable', verdict: 'down', advice: 'wait' });
    for (const channelId of ['emulator', 'slack', 'console', 'webchat']) {
      const activity = renderReplyActivity({ key: 'user.unreachable', vars: { host: 'x' } }, t, { channelId, status, locale: 'en' });
      expect((activity.channelData as { gatewayDoctor: unknown }).gatewayDoctor).toEqual(sent);
    }
  });

  it('keeps producer and cause when there are some', () => {
    const status: GatewayDoctorChannelData = { state: 'user.down', verdict: 'down', advice: 'wait', producer: 'nginx', cause: 'app-crash' };
    expect(publicChannelData(status)).toEqual(status);
  });
});

describe('buttons carry the state of the message they are on', () => {
  const reply = { key: 'step.reload.generic', choices: [{ intent: 'yes' as const, labelKey: 'choice.yes' }] };
  const status: GatewayDoctorChannelData = { state: 'user.step.reload' };
  const value = { gatewayDoctor: { intent: 'yes', state: 'user.step.reload' } };

  it('in an Adaptive Card (web chat, Teams, the Emulator), for web chat and in the Teams messageBack value', () => {
    const activity = renderReplyActivity(reply, t, { channelId: 'webchat', status, locale: 'en' });
    const card = activity.attachments?.[0]?.content as { actions: { data: { gatewayDoctor: unknown; msteams: { value: unknown } } }[] };
    expect(card.actions[0]?.data.gatewayDoctor).toEqual(value.gatewayDoctor);
    expect(card.actions[0]?.data.msteams.value).toEqual(value);
  });

  it('in a Slack button value', () => {
    const activity = renderReplyActivity(reply, t, { channelId: 'slack', status, locale: 'en' });
    const blocks = (activity.channelData as { slack: { blocks: { type: string; elements?: { value: string }[] }[] } }).slack.blocks;
    const button = blocks.find((b) => b.type === 'actions')?.elements?.[0];
    expect(JSON.parse(button?.value ?? '{}')).toEqual(value);
  });

  it("in the terminal's suggested actions", () => {
    const activity = renderReplyActivity(reply, t, { channelId: 'console', status, locale: 'en' });
    expect(activity.suggestedActions?.actions[0]?.value).toEqual(value);
  });
});
