/** The Slack channel: Events API and interactivity routes, the botbuilder adapter, and their helpers. */
export { createSlackRoutes, type SlackRoutesDeps } from './slack-routes';
export {
  SlackAdapter,
  slackMessageFor,
  type SlackAdapterOptions,
  type SlackMetadata,
  type SlackOutgoingData,
  type SlackTurnLogic,
} from './slack-adapter';
export {
  SLACK_CHANNEL_ID,
  activityFromBlockActions,
  activityFromEvent,
  parseSlackConversationId,
  plainTextFromSlack,
  slackConversationId,
  stripBotMention,
  type SlackAddress,
  type SlackInboundActivity,
  type SlackInboundData,
} from './slack-activities';
export { checkSlackSignature, SLACK_SIGNATURE_WINDOW_S, type SignatureCheck, type SignatureFailure } from './slack-signature';
export { SlackLocaleCache, type LocaleLookup, type SlackLocaleCacheOptions } from './slack-locale-cache';
