/** What the Direct Line routes accept in a body, and how large a user's activity may be once stored. */
import { z } from 'zod';

/** Longest message text accepted unless the routes are given another. */
export const DEFAULT_MAX_TEXT_LENGTH = 4000;
/**
 * Caps for the free-form parts of an activity. What the widget sends is far smaller (a card's submit data,
 * a client id and timestamp in channelData); every field's cap fits inside the stored-activity cap.
 */
const MAX_VALUE_JSON = 4 * 1024;
const MAX_CHANNEL_DATA_JSON = 2 * 1024;
/**
 * Largest user activity as stored (JSON characters, with the fields the server adds). Counted in characters,
 * not UTF-8 bytes, so a 4000-character message in Japanese fits as well as one in English.
 */
export const MAX_STORED_USER_ACTIVITY_CHARS = 8 * 1024;

const localeSchema = z.string().regex(/^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,4}$/, 'not a BCP 47 language tag');

const jsonWithin = (maxChars: number) => (value: unknown) => value === undefined || JSON.stringify(value).length <= maxChars;

/** The body of `POST .../activities`; `from`, ids and routing fields are dropped and set by us. */
export function createPostedActivitySchema(maxTextLength = DEFAULT_MAX_TEXT_LENGTH) {
  return z
    .object({
      type: z.enum(['message', 'event', 'typing']),
      text: z.string().max(maxTextLength).optional(),
      textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
      locale: localeSchema.optional(),
      name: z.string().min(1).max(100).optional(),
      value: z.unknown().refine(jsonWithin(MAX_VALUE_JSON), `value is larger than ${MAX_VALUE_JSON} characters`).optional(),
      channelData: z
        .record(z.string(), z.unknown())
        .refine(jsonWithin(MAX_CHANNEL_DATA_JSON), `channelData is larger than ${MAX_CHANNEL_DATA_JSON} characters`)
        .optional(),
      attachments: z
        .array(z.object({ contentType: z.string().min(1).max(200), name: z.string().max(200).optional(), content: z.unknown().optional() }))
        .max(5)
        .refine(jsonWithin(MAX_VALUE_JSON), `attachments are larger than ${MAX_VALUE_JSON} characters`)
        .optional(),
      entities: z.array(z.record(z.string(), z.unknown())).max(10).refine(jsonWithin(MAX_CHANNEL_DATA_JSON)).optional(),
      localTimestamp: z.string().max(64).optional(),
      localTimezone: z.string().max(64).optional(),
    })
    .refine((a) => a.type !== 'message' || (a.text ?? '') !== '' || (a.attachments?.length ?? 0) > 0 || a.value !== undefined, {
      message: 'a message needs text, attachments or a value',
      path: ['text'],
    })
    .refine((a) => a.type !== 'event' || a.name !== undefined, { message: 'an event needs a name', path: ['name'] });
}

/** The schema `createPostedActivitySchema` builds. */
export type PostedActivitySchema = ReturnType<typeof createPostedActivitySchema>;

/** The body of `POST /v3/directline/conversations` (directlinejs sends `{ user: { id? }, locale? }`). */
export const startConversationSchema = z
  .object({ user: z.object({ id: z.string().max(200).optional() }).optional(), locale: localeSchema.optional() })
  .optional();
