import { within } from '../../src/time/within';

describe('within', () => {
  it('gives the value when it comes in time, the fallback when it does not, and passes a rejection on', async () => {
    await expect(within(Promise.resolve('now'), 50, 'late')).resolves.toBe('now');
    await expect(within(new Promise((resolve) => setTimeout(() => resolve('slow'), 200)), 20, 'late')).resolves.toBe('late');
    await expect(within(Promise.reject(new Error('broken')), 50, 'late')).rejects.toThrow('broken');
  });
});
