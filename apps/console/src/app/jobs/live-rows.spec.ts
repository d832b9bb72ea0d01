import type { JobListItem, LiveJobUpdate } from '@aether/read-api';
import { filterFromParams } from './jobs-filter';
import { applyJobUpdate, takesNewJobs } from './live-rows';

const row = (overrides: Partial<JobListItem> = {}): JobListItem => ({
  jobId: 'job-1',
  workflowId: 'demo',
  workflowVersion: 1,
  status: 'queued',
  priority: 10,
  robotId: null,
  requestedAt: '2026-12-06T10:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  durationMs: null,
  lastSequence: 10,
  ...overrides,
});
const update = (seq: number, type: string, extra: Partial<LiveJobUpdate> = {}): LiveJobUpdate => ({
  seq,
  type,
  occurredAt: '2026-12-06T10:00:05.000Z',
  jobId: 'job-1',
  ...extra,
});
const newest = { filter: filterFromParams({}), takesNew: true };

describe('live rows on the Jobs page', () => {
  it('changes a row in place as its job starts and completes', () => {
    let rows = applyJobUpdate(
      [row()],
      update(11, 'JobStarted', { status: 'running', robotId: 'robot-1' }),
      newest,
    );
    expect(rows[0]).toMatchObject({
      status: 'running',
      robotId: 'robot-1',
      startedAt: '2026-12-06T10:00:05.000Z',
      lastSequence: 11,
    });
    rows = applyJobUpdate(rows, update(12, 'StepCompleted', { stepKey: 'a' }), newest);
    expect(rows[0]).toMatchObject({ status: 'running', lastSequence: 12 });
    rows = applyJobUpdate(
      rows,
      {
        ...update(19, 'JobCompleted', { status: 'completed', robotId: 'robot-1' }),
        occurredAt: '2026-12-06T10:00:07.500Z',
      },
      newest,
    );
    expect(rows[0]).toMatchObject({
      status: 'completed',
      finishedAt: '2026-12-06T10:00:07.500Z',
      durationMs: 2500,
    });
  });

  it('ignores an update the row already holds, and one for a job it does not show', () => {
    const rows = [row({ lastSequence: 30, status: 'completed' })];
    expect(applyJobUpdate(rows, update(25, 'JobStarted', { status: 'running' }), newest)).toBe(rows);
    expect(applyJobUpdate(rows, { ...update(31, 'JobStarted'), jobId: 'elsewhere' }, newest)).toBe(rows);
  });

  it('moves only a pending or retry-scheduled job to queued on a dispatch, as the projection does', () => {
    const running = [row({ status: 'running' })];
    expect(
      applyJobUpdate(running, update(11, 'JobDispatched', { status: 'queued' }), newest)[0]?.status,
    ).toBe('running');
    const pending = [row({ status: 'pending' })];
    expect(
      applyJobUpdate(pending, update(11, 'JobDispatched', { status: 'queued' }), newest)[0]?.status,
    ).toBe('queued');
  });

  it('puts a new job on top only where the newest jobs are shown and it matches the filter', () => {
    const requested = {
      ...update(40, 'JobRequested', { status: 'pending', workflowId: 'demo', priority: 15 }),
      jobId: 'job-2',
    };
    expect(applyJobUpdate([row()], requested, newest).map((r) => [r.jobId, r.status, r.priority])).toEqual([
      ['job-2', 'pending', 15],
      ['job-1', 'queued', 10],
    ]);
    const otherWorkflow = { filter: filterFromParams({ workflowId: 'invoices' }), takesNew: true };
    expect(applyJobUpdate([row()], requested, otherWorkflow)).toHaveLength(1);
    expect(takesNewJobs(filterFromParams({}), true)).toBe(true);
    expect(takesNewJobs(filterFromParams({}), false)).toBe(false);
    expect(takesNewJobs(filterFromParams({ sort: 'priority' }), true)).toBe(false);
  });
});
