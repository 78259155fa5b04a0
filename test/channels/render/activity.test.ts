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
