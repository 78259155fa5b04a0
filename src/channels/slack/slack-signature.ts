/**
 * Is this request really from Slack? The HMAC check is bolt's own `verifySlackRequest` over the raw body;
 * this module adds what it leaves out: missing headers, a malformed timestamp, and timestamps from the
 * future (bolt only rejects old ones; a replay window must close in both directions).
 */
// The verifier's own module, not bolt's index: the index loads the whole framework (a fifth of the
// server's start-up) for this one function.
import { verifySlackRequest } from '@slack/bolt/dist/receivers/verify-request';

/** Slack's documented tolerance between its clock and ours, in seconds. */
export const SLACK_SIGNATURE_WINDOW_S = 5 * 60;

/** Why a request was refused; logged, never shown in detail to the caller. */
export type SignatureFailure = 'missing_headers' | 'bad_timestamp' | 'stale' | 'future' | 'mismatch';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure };

/** The pieces of a request the check needs. */
export interface SignedRequest {
  signingSecret: string;
  rawBody: string;
  /** `X-Slack-Signature`, e.g. `v0=5f1c...`. */
  signature: string | undefined;
  /** `X-Slack-Request-Timestamp`, Unix seconds. */
  timestamp: string | undefined;
  nowMs: number;
}

/** Checks `X-Slack-Signature` against `v0:<timestamp>:<raw body>` within five minutes either side of now. */
export function checkSlackSignature({ signingSecret, rawBody, signature, timestamp, nowMs }: SignedRequest): SignatureCheck {
  if (!signature || !timestamp) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  const seconds = Number(timestamp);
  const nowS = Math.floor(nowMs / 1000);
  if (seconds > nowS + SLACK_SIGNATURE_WINDOW_S) return { ok: false, reason: 'future' };
  if (seconds < nowS - SLACK_SIGNATURE_WINDOW_S) return { ok: false, reason: 'stale' };
  try {
    verifySlackRequest({
      signingSecret,
      body: rawBody,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': seconds },
      nowMilliseconds: nowMs,
    });
    return { ok: true };
  } catch {
    return { ok: false, reason: 'mismatch' };
  }
}
