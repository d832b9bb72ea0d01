import type { DataSource } from 'typeorm';
import { JobRequested, StepCompleted, StepFailed, StepStarted, type Envelope } from '@aether/contracts';
import { createTestReadModel, type TestReadModel } from './test-support';
import { JobProjection } from './job-projection';
import { NodeDurations } from './workflow-durations';

const t0 = Date.parse('2026-01-01T00:00:00Z');
const on = (jobId: string, ms: number) => ({
  tenantId: 'default',
  aggregateId: jobId,
  occurredAt: new Date(t0 + ms),
});

/** A job of `wf` whose `open` step completes in `ms` (after a failed attempt when `failedFirst`). */
function job(jobId: string, ms: number, failedFirst = false): Envelope[] {
  const started = (attempt: number) =>
    StepStarted.create({
      ...on(jobId, 1),
      data: { stepKey: 'open', nodeId: 'open', nodeType: 'browser.goto', robotId: 'r1', attempt },
    });
  return [
    JobRequested.create({
      ...on(jobId, 0),
      data: {
        workflowId: 'wf',
        workflowVersion: 1,
        variables: {},
        priority: 10,
        trigger: { kind: 'manual' },
      },
    }),
    ...(failedFirst
      ? [
          started(1),
          StepFailed.create({
            ...on(jobId, 2),
            data: {
              stepKey: 'open',
              nodeId: 'open',
              durationMs: 90_000,
              error: { message: 'stalled', retryable: true },
            },
          }),
        ]
      : []),
    started(failedFirst ? 2 : 1),
    StepCompleted.create({
      ...on(jobId, 1 + ms),
      data: { stepKey: 'open', nodeId: 'open', durationMs: ms, output: {} },
    }),
  ];
}

describe('node durations (the k × p99 stall limit, ADR 65)', () => {
  let readModel: TestReadModel;
  let ds: DataSource;

  beforeAll(async () => {
    readModel = await createTestReadModel();
    ds = readModel.dataSource;
  });
  afterAll(() => readModel?.close());

  it("gives each node's p99 over its completed steps only, once it rests on enough of them", async () => {
    const events = Array.from({ length: 100 }, (_, i) =>
      job(`j${i}`, i < 99 ? 1_000 : 8_000, i === 0),
    ).flat();
    await new JobProjection(ds).apply(events.map((event, i) => ({ sequence: i + 1, event })));
    const durations = new NodeDurations(ds);
    const since = new Date(t0 - 3_600_000);

    const p99 = (await durations.quantiles(since, 0.99, 100)).get('default/wf')?.['open'];
    // 99 steps of 1 s and one of 8 s: the p99 is in 1 s's bucket (within 19 %); the failed 90 s
    // attempt is not counted.
    expect(p99?.steps).toBe(100);
    expect(p99?.ms).toBeGreaterThan(800);
    expect(p99?.ms).toBeLessThan(1_200);
    expect((await durations.quantiles(since, 0.99, 101)).size).toBe(0);
  });
});
