import { TriggerKeyClaimed } from '@aether/contracts';
import { decideTriggerKey, foldTriggerKey } from './trigger-key';

const hashA = 'A'.repeat(43);
const hashB = 'B'.repeat(43);
const HOUR = 3_600_000;
const claimed = (requestHash: string, jobId: string, at: string) =>
  TriggerKeyClaimed.create({
    tenantId: 'default',
    aggregateId: 'k'.repeat(43),
    occurredAt: new Date(at),
    data: { requestHash, jobId, workflowId: 'wf' },
  });

describe('an idempotency key of a trigger', () => {
  const now = new Date('2026-12-06T12:00:00Z');

  it('is claimed when it was never used', () => {
    expect(decideTriggerKey(foldTriggerKey([]), hashA, now, 24 * HOUR)).toEqual({ kind: 'claim' });
  });

  it('answers the same request with the first job', () => {
    const state = foldTriggerKey([claimed(hashA, 'job-1', '2026-12-06T11:00:00Z')]);
    expect(decideTriggerKey(state, hashA, now, 24 * HOUR)).toEqual({ kind: 'replay', jobId: 'job-1' });
  });

  it('refuses another request under the same key, naming the first job', () => {
    const state = foldTriggerKey([claimed(hashA, 'job-1', '2026-12-06T11:00:00Z')]);
    expect(decideTriggerKey(state, hashB, now, 24 * HOUR)).toEqual({ kind: 'conflict', jobId: 'job-1' });
  });

  it('is free again once its claim is older than the retention', () => {
    const state = foldTriggerKey([claimed(hashA, 'job-1', '2026-12-05T12:00:00Z')]);
    expect(decideTriggerKey(state, hashB, now, 24 * HOUR)).toEqual({ kind: 'claim' });
    expect(decideTriggerKey(state, hashA, now, 24 * HOUR)).toEqual({ kind: 'claim' });
  });

  it('follows the latest claim when the key was claimed again after its retention', () => {
    const state = foldTriggerKey([
      claimed(hashA, 'job-1', '2026-12-04T12:00:00Z'),
      claimed(hashB, 'job-2', '2026-12-06T10:00:00Z'),
    ]);
    expect(decideTriggerKey(state, hashB, now, 24 * HOUR)).toEqual({ kind: 'replay', jobId: 'job-2' });
  });
});
