import { TriggerBackoff, triggeredJobEnd } from './trigger-backoff';

describe('TriggerBackoff', () => {
  it('pauses a trigger whose jobs fail, doubling up to the cap; a completed job ends the pause', () => {
    const backoff = new TriggerBackoff(1_000, 5_000);
    expect(backoff.mayFire('q', 0)).toBe(true);
    backoff.ended('q', 'failed', 0);
    expect([backoff.mayFire('q', 999), backoff.mayFire('q', 1_000)]).toEqual([false, true]);
    backoff.ended('q', 'failed', 1_000);
    expect([backoff.mayFire('q', 2_999), backoff.mayFire('q', 3_000)]).toEqual([false, true]);
    for (let i = 0; i < 5; i++) backoff.ended('q', 'failed', 10_000);
    expect([backoff.mayFire('q', 14_999), backoff.mayFire('q', 15_000)]).toEqual([false, true]);
    expect(backoff.mayFire('other-queue', 10_000)).toBe(true);
    backoff.ended('q', 'completed', 10_001);
    expect(backoff.mayFire('q', 10_001)).toBe(true);
  });
  it('counts dead letters and rejections as failures, a cancel as neither', () => {
    expect(['JobCompleted', 'JobDeadLettered', 'JobRejected', 'JobCancelled'].map(triggeredJobEnd)).toEqual([
      'completed',
      'failed',
      'failed',
      'other',
    ]);
  });
});
