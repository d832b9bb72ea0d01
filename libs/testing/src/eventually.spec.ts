import { eventually } from './eventually';

describe('eventually', () => {
  it('returns the first value the probe gives that is not undefined', async () => {
    let calls = 0;
    await expect(eventually(() => (++calls === 3 ? 'ready' : undefined), { intervalMs: 1 })).resolves.toBe(
      'ready',
    );
    expect(calls).toBe(3);
  });

  it('times out naming what it waited for and the last error', async () => {
    await expect(
      eventually(
        (): string | undefined => {
          throw new Error('not yet: 2 of 3');
        },
        { timeoutMs: 30, intervalMs: 5, what: 'three robots' },
      ),
    ).rejects.toThrow('timed out after 30 ms waiting for three robots: Error: not yet: 2 of 3');
  });

  it('does not compile with a probe that returns nothing, which could never be done', () => {
    const probe = (): void => undefined;
    // @ts-expect-error a void probe is never "done"
    void eventually(probe, { timeoutMs: 1 }).catch(() => undefined);
  });
});
