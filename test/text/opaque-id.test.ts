import { createHash } from 'node:crypto';
import { opaqueId } from '../../src/text/opaque-id';

describe('opaqueId', () => {
  it.each(['emulator\u0000user-1', 'https://shop.example/', '', 'ünïcødé 🙂', 'x'.repeat(100_000)])(
    'is the first 22 base64url characters of SHA-256, whichever way Node computes it (%#)',
    (input) => {
      const expected = createHash('sha256').update(input).digest('base64url').slice(0, 22);
      expect(opaqueId(input)).toBe(expected);
      expect(opaqueId(input)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    },
  );
});
