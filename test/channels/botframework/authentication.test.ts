/** With an app id configured, every request must carry a valid Bot Framework token: no bypass. */
import { createActivity, createTestApp } from '../../helpers/create-test-app';

describe('/api/messages with MicrosoftAppId set', () => {
  it('refuses requests without a valid token', async () => {
    const app = await createTestApp({ MicrosoftAppId: '00000000-0000-0000-0000-000000000001', MicrosoftAppPassword: 'not-used' });
    try {
      const post = (headers: Record<string, string>) =>
        fetch(`${app.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(createActivity({ channelId: 'msteams', text: 'hello' })),
        });
      // Only the missing-token case is tested: checking a forged token makes the SDK fetch Microsoft's
      // signing keys, and tests must not leave loopback.
      expect((await post({})).status).toBe(401);
      expect((await post({ authorization: 'Basic abc' })).status).toBe(401);
    } finally {
      await app.close();
    }
  });
});
