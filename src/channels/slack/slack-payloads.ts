/**
 * The parts of Slack's Events API envelopes and interaction payloads this bot reads, validated where they
 * enter. Unknown fields are dropped; unknown event and payload types are acknowledged and ignored upstream.
 */
import { z } from 'zod';
import { INTENTS } from '../../../dialogs/types';

const id = z.string().min(1).max(255);

/** `url_verification`: sent once when the Request URL is saved; answered with the challenge. */
export const urlVerificationSchema = z.object({ type: z.literal('url_verification'), challenge: z.string().max(1024) });

/** A `message` event (we subscribe to `message.im`); subtypes and bot posts are filtered by the adapter. */
export const messageEventSchema = z.object({
  type: z.literal('message'),
  channel: id,
  channel_type: z.string().optional(),
  user: id.optional(),
  text: z.string().optional(),
  ts: id,
  thread_ts: id.optional(),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
});

/** An `app_mention` event: someone wrote `@Gateway Doctor` in a channel the app is in. */
export const appMentionEventSchema = messageEventSchema.omit({ channel_type: true }).extend({ type: z.literal('app_mention') });

/** `event_callback`: the envelope around every subscribed event. */
export const eventCallbackSchema = z.object({
  type: z.literal('event_callback'),
  team_id: id,
  api_app_id: z.string().optional(),
  event_id: id,
  event: z.looseObject({ type: z.string() }),
  authorizations: z.array(z.object({ user_id: z.string().optional() })).optional(),
});

/** What a button click carries in `value`, written by the Block Kit renderer. */
export const actionValueSchema = z.object({
  // `state`: the state path of the message the button was on, so a press on an earlier message is recognised.
  gatewayDoctor: z.object({ intent: z.enum(INTENTS), state: z.string().max(100).optional() }),
});

/** One element's action in a `block_actions` payload. */
export const blockActionSchema = z.object({
  type: z.string(),
  action_id: z.string(),
  action_ts: z.string().optional(),
  value: z.string().optional(),
});

/** A `block_actions` interaction: a click on one of our buttons. */
export const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  api_app_id: z.string().optional(),
  user: z.object({ id, team_id: z.string().optional() }),
  team: z.object({ id }).nullish(),
  channel: z.object({ id }).optional(),
  container: z
    .object({
      channel_id: z.string().optional(),
      message_ts: z.string().optional(),
      thread_ts: z.string().optional(),
    })
    .optional(),
  message: z.object({ ts: z.string().optional(), thread_ts: z.string().optional() }).optional(),
  actions: z.array(blockActionSchema),
});

export type SlackEventCallback = z.infer<typeof eventCallbackSchema>;
export type SlackBlockActions = z.infer<typeof blockActionsSchema>;
