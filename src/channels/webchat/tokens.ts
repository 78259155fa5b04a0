/**
 * Direct Line tokens for the self-hosted endpoint: `<payload>.<signature>`, both base64url, the signature an
 * HMAC-SHA256 of the encoded payload. A token names one conversation (and its user), so holding one grants
 * that conversation and nothing else.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** What a token asserts; `exp` and `iat` are seconds since the epoch, as in JWTs. */
export interface TokenClaims {
  conversationId: string;
  userId?: string;
  iat: number;
  exp: number;
}

/** A freshly signed token and how long it lives. */
export interface IssuedToken {
  token: string;
  claims: TokenClaims;
  /** Seconds until expiry (Direct Line's `expires_in`). */
  expiresIn: number;
}

/** Why a token was refused: `malformed` and `bad_signature` are forgeries, `expired` is honest but late. */
export type TokenFailure = 'malformed' | 'bad_signature' | 'expired';

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: TokenFailure };

export type TokenRefresh = { ok: true; issued: IssuedToken } | { ok: false; reason: TokenFailure };

/** Signs, checks and refreshes conversation tokens. */
export interface TokenService {
  issue(subject: { conversationId: string; userId?: string }): IssuedToken;
  verify(token: string): TokenCheck;
  /** A new token for the same conversation and user; refused once the old one has expired. */
  refresh(token: string): TokenRefresh;
  readonly ttlSeconds: number;
}

export interface TokenServiceOptions {
  /** The HMAC key (WEBCHAT_TOKEN_SECRET); at least 16 characters. */
  secret: string;
  /** Milliseconds since the epoch; injected so tests can move time. */
  now?: () => number;
  /** Token lifetime; Direct Line's is 30 minutes. */
  ttlSeconds?: number;
}

/** Direct Line's token lifetime. */
export const DEFAULT_TOKEN_TTL_SECONDS = 30 * 60;

const MIN_SECRET_LENGTH = 16;
/** Far above any real token; stops a huge header from being hashed at all. */
const MAX_TOKEN_LENGTH = 2048;

const claimsSchema = z.object({
  conversationId: z.string().min(1).max(200),
  userId: z.string().min(1).max(200).optional(),
  iat: z.number().int().nonnegative(),
  exp: z.number().int().positive(),
});

/** Builds the token service; throws when the secret is too short to be a key. */
export function createTokenService({ secret, now = Date.now, ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS }: TokenServiceOptions): TokenService {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`The web chat token secret must be at least ${MIN_SECRET_LENGTH} characters long.`);
  }
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error('ttlSeconds must be a positive integer.');

  const sign = (encodedPayload: string): Buffer => createHmac('sha256', secret).update(encodedPayload).digest();
  const nowSeconds = (): number => Math.floor(now() / 1000);

  const issue: TokenService['issue'] = ({ conversationId, userId }) => {
    const iat = nowSeconds();
    const claims: TokenClaims = { conversationId, ...(userId === undefined ? {} : { userId }), iat, exp: iat + ttlSeconds };
    const encodedPayload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `${encodedPayload}.${sign(encodedPayload).toString('base64url')}`, claims, expiresIn: ttlSeconds };
  };

  const verify: TokenService['verify'] = (token) => {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
    const parts = token.split('.');
    if (parts.length !== 2) return { ok: false, reason: 'malformed' };
    const [encodedPayload = '', encodedSignature = ''] = parts;
    const given = Buffer.from(encodedSignature, 'base64url');
    const expected = sign(encodedPayload);
    // Length first: timingSafeEqual throws on unequal lengths, and the length of an HMAC is no secret.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };

    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const claims = claimsSchema.safeParse(parsed);
    if (!claims.success) return { ok: false, reason: 'malformed' };
    if (claims.data.exp <= nowSeconds()) return { ok: false, reason: 'expired' };
    return { ok: true, claims: claims.data };
  };

  return {
    issue,
    verify,
    refresh(token) {
      const check = verify(token);
      if (!check.ok) return check;
      const { conversationId, userId } = check.claims;
      return { ok: true, issued: issue({ conversationId, ...(userId === undefined ? {} : { userId }) }) };
    },
    ttlSeconds,
  };
}

/**
 * The configured secret, or a random one for this process when none is set (tokens then die with the
 * process, and several instances cannot share conversations: the caller logs a warning when `generated`).
 */
export function resolveTokenSecret(configured: string | undefined): { secret: string; generated: boolean } {
  if (configured !== undefined && configured !== '') return { secret: configured, generated: false };
  return { secret: randomBytes(32).toString('base64url'), generated: true };
}
