/** Structured logging (pino). Secrets and message text never reach the log. */
import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths redacted wherever they appear in a logged object. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.secret',
  '*.token',
  'text',
  '*.text',
];

/** Builds the process logger; `destination` lets tests capture lines. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'gateway-doctor' } }, destination);
}
