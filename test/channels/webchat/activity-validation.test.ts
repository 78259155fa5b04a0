import { createPostedActivitySchema } from '../../../src/channels/webchat/directline-routes';

describe('posted activity validation', () => {
  const schema = createPostedActivitySchema(100);

  it('accepts what the widget sends and strips what the server decides', () => {
    const parsed = schema.safeParse({
      type: 'message',
      text: 'my site shows 502',
      textFormat: 'plain',
      locale: 'fr-FR',
      from: { id: 'someone-else', role: 'bot' },
      id: 'chosen-by-client',
      conversation: { id: 'other' },
      channelId: 'msteams',
      serviceUrl: 'https://evil.example',
      channelData: { clientActivityID: 'abc' },
      entities: [{ type: 'ClientCapabilities', requiresBotState: true }],
    });
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual({
      type: 'message',
      text: 'my site shows 502',
      textFormat: 'plain',
      locale: 'fr-FR',
      channelData: { clientActivityID: 'abc' },
      entities: [{ type: 'ClientCapabilities', requiresBotState: true }],
    });
  });

  it('accepts a card submission (a message with only a value) and a named event', () => {
    expect(schema.safeParse({ type: 'message', value: { gatewayDoctor: { intent: 'yes' } } }).success).toBe(true);
    expect(schema.safeParse({ type: 'event', name: 'gatewayDoctor/clientInfo', value: { userAgent: 'UA' } }).success).toBe(true);
  });

  it.each([
    ['no type', { text: 'hi' }],
    ['an unknown type', { type: 'invoke', name: 'x' }],
    ['text over the limit', { type: 'message', text: 'x'.repeat(101) }],
    ['an empty message', { type: 'message', text: '' }],
    ['an event without a name', { type: 'event', value: 1 }],
    ['a bad locale', { type: 'message', text: 'hi', locale: 'en US<script>' }],
    ['a huge value', { type: 'message', value: { blob: 'x'.repeat(20_000) } }],
    ['channelData that is not an object', { type: 'message', text: 'hi', channelData: 'x' }],
    ['too many attachments', { type: 'message', attachments: Array.from({ length: 6 }, () => ({ contentType: 'text/plain' })) }],
    ['not an object at all', 'hello'],
  ])('refuses %s', (_label, body) => {
    expect(schema.safeParse(body).success).toBe(false);
  });
});
