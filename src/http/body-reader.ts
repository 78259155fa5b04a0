/**
 * Reads a request body under rules a stranger cannot stretch: identity encoding only (a compressed body
 * would be counted compressed and inflate far past the limit), only the content types the route declared
 * (never multipart: nothing is ever written to disk), and a hard cap on the bytes read.
 */
import type { IncomingMessage } from 'node:http';
import contentType from 'content-type';
import getRawBody from 'raw-body';

/** The body formats a route may accept. */
export type BodyKind = 'json' | 'form' | 'text';

/** Media types per body kind (parameters such as charset are ignored). */
const MEDIA_TYPES: Record<BodyKind, readonly string[]> = {
  json: ['application/json'],
  form: ['application/x-www-form-urlencoded'],
  text: ['text/plain'],
};

/** What a route gets after a successful read. */
export interface ReadBody {
  kind: BodyKind | 'empty';
  /** The exact bytes as UTF-8 text (Slack's signature is computed over them). */
  raw: string;
  /** JSON value, form fields as a flat object, the text, or undefined for an empty body. */
  parsed: unknown;
}

/** A refusal with the HTTP status and the code/message the client sees. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 411 | 413 | 415,
    readonly code: string,
    readonly publicMessage: string,
  ) {
    super(publicMessage);
    this.name = 'BodyError';
  }
}

export interface ReadBodyOptions {
  accepts: readonly BodyKind[];
  maxBytes: number;
}

/** Reads and parses the body, or throws a BodyError that says what to send instead. */
export async function readBody(req: IncomingMessage, { accepts, maxBytes }: ReadBodyOptions): Promise<ReadBody> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new BodyError(415, 'unsupported_encoding', 'Send the body uncompressed: Content-Encoding is not accepted.');
  }
  const declared = req.headers['content-length'];
  const length = declared === undefined ? undefined : Number(declared);
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw new BodyError(400, 'bad_request', 'The Content-Length header is not a number.');
  }
  if (length !== undefined && length > maxBytes) throw tooLarge(maxBytes);

  const kind = kindOf(req.headers['content-type'], accepts);

  let raw: string;
  try {
    raw = await getRawBody(req, { limit: maxBytes, length, encoding: 'utf8' });
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') throw tooLarge(maxBytes);
    throw new BodyError(400, 'bad_request', 'The request body could not be read completely.');
  }
  if (raw === '') return { kind: 'empty', raw, parsed: undefined };
  if (kind === undefined) {
    throw new BodyError(415, 'unsupported_media_type', `Send the body as ${accepts.map((k) => MEDIA_TYPES[k][0]).join(' or ')}.`);
  }
  return { kind, raw, parsed: parse(kind, raw) };
}

/**
 * The body kind a Content-Type names when the route accepts it. No header: undefined, which is fine for
 * an empty body and refused for any other (a body has to say what it is).
 */
function kindOf(header: string | undefined, accepts: readonly BodyKind[]): BodyKind | undefined {
  const expected = `Send the body as ${accepts.map((k) => MEDIA_TYPES[k][0]).join(' or ')}.`;
  if (header === undefined || header.trim() === '') return undefined;
  let media: string;
  try {
    media = contentType.parse(header).type;
  } catch {
    throw new BodyError(415, 'unsupported_media_type', expected);
  }
  const kind = accepts.find((k) => MEDIA_TYPES[k].includes(media));
  if (!kind) throw new BodyError(415, 'unsupported_media_type', expected);
  return kind;
}

function parse(kind: BodyKind, raw: string): unknown {
  if (kind === 'text') return raw;
  if (kind === 'form') return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new BodyError(400, 'bad_request', 'The request body could not be read: send valid JSON.');
  }
}

function tooLarge(maxBytes: number): BodyError {
  return new BodyError(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
}
