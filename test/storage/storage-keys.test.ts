import { conversationKey } from '../../src/storage/storage-keys';

describe('storage keys', () => {
  it('builds a conversation key from channel and conversation', () => {
    expect(conversationKey('msteams', 'a:1')).toBe('conv/msteams/a%3A1');
  });

  it('keeps ids with separators apart', () => {
    expect(conversationKey('web', 'a/b')).not.toBe(conversationKey('web/a', 'b'));
    expect(conversationKey('web', '19:abc@thread.v2;messageid=1')).toBe('conv/web/19%3Aabc%40thread.v2%3Bmessageid%3D1');
    expect(conversationKey('web', 'ünï 😀')).toBe(`conv/web/${encodeURIComponent('ünï 😀')}`);
  });

  it.each([
    ['channelId', () => conversationKey(undefined, 'c')],
    ['conversationId', () => conversationKey('web', null)],
    ['conversationId', () => conversationKey('web', '')],
    ['conversationId', () => conversationKey('web', '   ')],
  ])('throws missing_id when %s is missing', (name, build) => {
    expect(build).toThrow(expect.objectContaining({ code: 'missing_id', message: expect.stringContaining(name) }));
  });

  it('throws invalid_key for an id that is not valid text', () => {
    expect(() => conversationKey('web', 'half \ud800')).toThrow(expect.objectContaining({ code: 'invalid_key' }));
  });
});
