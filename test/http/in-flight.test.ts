import { createInFlight } from '../../src/http/in-flight';

describe('work in flight', () => {
  it('is idle at once with nothing tracked, and once tracked work settles, failures included', async () => {
    const inFlight = createInFlight();
    expect(await inFlight.idle(Date.now())).toBe(true);
    let finish: () => void = () => undefined;
    const ok = inFlight.track(new Promise<string>((resolve) => (finish = () => resolve('done'))));
    const failing = inFlight.track(Promise.reject(new Error('turn failed')));
    await expect(failing).rejects.toThrow('turn failed');
    expect(inFlight.count).toBe(1);
    const idle = inFlight.idle(Date.now() + 5000);
    finish();
    await expect(ok).resolves.toBe('done');
    expect(await idle).toBe(true);
    expect(inFlight.count).toBe(0);
  });

  it('says false at the deadline while work still runs', async () => {
    const inFlight = createInFlight();
    void inFlight.track(new Promise(() => undefined));
    expect(await inFlight.idle(Date.now() + 50)).toBe(false);
    expect(inFlight.count).toBe(1);
  });
});
