import { createHmac } from 'node:crypto';
import { createTokenService, resolveTokenSecret } from '../../../src/channels/webchat/tokens';
import { createFakeClock } from './helpers/fake-clock';

const SECRET = 'unit-test-secret-0123456789abcdef';

describe('web chat tokens', () => {
  it('signs a token that verifies back to its conversation and user', () => {
    const tokens = createTokenService({ secret: SECRET });
    const issued = tokens.issue({ conversationId: 'conv-1', userId: 'dl_user' });
    expect(issued.expiresIn).toBe(1800);
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const check = tokens.verify(issued.token);
    expect(check).toEqual({
      ok: true,
      claims: { conversationId: 'conv-1', userId: 'dl_user', iat: issued.claims.iat, exp: issued.claims.iat + 1800 },
    });
  });

  it('refuses a token whose payload was changed', () => {
    const tokens = createTokenService({ secret: SECRET });
    const [payload, signature] = tokens.issue({ conversationId: 'conv-1' }).token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, conversationId: 'conv-2' })).toString('base64url');
    expect(tokens.verify(`${forgedPayload}.${signature}`)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a token signed with another secret, and garbage', () => {
    const mine = createTokenService({ secret: SECRET });
    const theirs = createTokenService({ secret: 'another-secret-0123456789abcdef' });
    expect(mine.verify(theirs.issue({ conversationId: 'conv-1' }).token)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(mine.verify('not-a-token')).toEqual({ ok: false, reason: 'malformed' });
    expect(mine.verify('a.b.c')).toEqual({ ok: false, reason: 'malformed' });
    expect(mine.verify('')).toEqual({ ok: false, reason: 'malformed' });
    expect(mine.verify(`${'x'.repeat(5000)}.y`)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a correctly signed payload that is not a claims object', () => {
    const payload = Buffer.from(JSON.stringify({ conversationId: 7 })).toString('base64url');
    const signature = createHmac('sha256', SECRET).update(payload).digest('base64url');
    expect(createTokenService({ secret: SECRET }).verify(`${payload}.${signature}`)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('expires a token after its lifetime', () => {
    const clock = createFakeClock(1_700_000_000_000);
    const tokens = createTokenService({ secret: SECRET, now: clock.now, ttlSeconds: 60 });
    const { token } = tokens.issue({ conversationId: 'conv-1' });
    clock.advance(59_000);
    expect(tokens.verify(token).ok).toBe(true);
    clock.advance(1_000);
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refreshes before expiry into a later token for the same conversation, and not after', () => {
    const clock = createFakeClock(1_700_000_000_000);
    const tokens = createTokenService({ secret: SECRET, now: clock.now, ttlSeconds: 60 });
    const first = tokens.issue({ conversationId: 'conv-1', userId: 'dl_u' });
    clock.advance(30_000);
    const refreshed = tokens.refresh(first.token);
    if (!refreshed.ok) throw new Error('refresh refused');
    expect(refreshed.issued.claims).toMatchObject({ conversationId: 'conv-1', userId: 'dl_u', exp: first.claims.exp + 30 });
    clock.advance(45_000);
    // The first token is dead by now; the refreshed one still lives.
    expect(tokens.refresh(first.token)).toEqual({ ok: false, reason: 'expired' });
    expect(tokens.verify(refreshed.issued.token).ok).toBe(true);
  });

  it('insists on a real secret and makes one up when none is configured', () => {
    expect(() => createTokenService({ secret: 'short' })).toThrow(/at least 16/);
    expect(resolveTokenSecret('configured-secret-value')).toEqual({ secret: 'configured-secret-value', generated: false });
    const generated = resolveTokenSecret(undefined);
    expect(generated.generated).toBe(true);
    expect(generated.secret.length).toBeGreaterThanOrEqual(32);
    expect(resolveTokenSecret('').secret).not.toBe(generated.secret);
  });
});
