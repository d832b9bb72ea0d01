import {
  deadlineHitPct,
  forecastDeadlines,
  queueOrder,
  strictPriorityOrder,
  type ForecastJob,
} from './deadline-risk';
import { JobQueue } from './job-queue';

const S = 1_000;
const now = 1_000_000;
const agingMs = 60 * S;
const tenSeconds = () => 10 * S;
/** A backlog of one band, arriving in the order of their latest deadline first. */
const backlog: ForecastJob[] = [60, 50, 40, 30, 20, 20].map((deadlineS, n) => ({
  key: `job-${n}`,
  workflowId: 'invoice',
  priority: 10,
  enqueuedAt: now - (6 - n) * 100,
  deadline: now + deadlineS * S,
}));

describe('deadlines as scheduling inputs', () => {
  it('places the earliest deadline first within a priority band; a higher band still goes first', () => {
    const urgent: ForecastJob = { key: 'urgent', workflowId: 'w', priority: 15, enqueuedAt: now };
    const undated: ForecastJob = { key: 'undated', workflowId: 'w', priority: 10, enqueuedAt: now - 5_000 };
    const order = queueOrder([...backlog, urgent, undated], now, agingMs).map((job) => job.key);
    expect(order).toEqual(['urgent', 'job-4', 'job-5', 'job-3', 'job-2', 'job-1', 'job-0', 'undated']);
  });

  it('meets every deadline of a backlog that strict priority order misses (two robots)', () => {
    const slots = [now, now];
    expect(deadlineHitPct(strictPriorityOrder(backlog), slots, tenSeconds)).toBeCloseTo(66.7, 1);
    expect(deadlineHitPct(queueOrder(backlog, now, agingMs), slots, tenSeconds)).toBe(100);
    expect(forecastDeadlines(queueOrder(backlog, now, agingMs), slots, tenSeconds).atRisk).toEqual([]);
  });

  it('flags the jobs at risk when robots are too few, naming their predicted finish', () => {
    const p95 = () => 12 * S; // the workflow's measured p95
    const order = queueOrder(backlog, now, agingMs);
    expect(forecastDeadlines(order, [now, now], p95).atRisk).toEqual([]);
    const { atRisk } = forecastDeadlines(order, [now], p95);
    expect(atRisk.map(({ job, predictedFinish }) => [job.key, (predictedFinish - now) / S])).toEqual([
      ['job-5', 24],
      ['job-3', 36],
      ['job-2', 48],
      ['job-1', 60],
      ['job-0', 72],
    ]);
  });

  it('ages a long-waiting job into a higher band ahead of an earlier deadline', () => {
    const old: ForecastJob = { key: 'old', workflowId: 'w', priority: 9, enqueuedAt: now - 2 * agingMs };
    const dated: ForecastJob = {
      key: 'dated',
      workflowId: 'w',
      priority: 10,
      enqueuedAt: now,
      deadline: now,
    };
    expect(queueOrder([dated, old], now, agingMs).map((job) => job.key)).toEqual(['old', 'dated']);
  });

  it('forgets a removed job’s deadline: the fast path returns once none is left', () => {
    const queue = new JobQueue<ForecastJob>();
    for (const job of backlog) queue.add(job);
    for (const job of backlog) queue.remove(job.key);
    queue.add({ key: 'a', workflowId: 'w', priority: 10, enqueuedAt: now - 2 });
    queue.add({ key: 'b', workflowId: 'w', priority: 10, enqueuedAt: now - 1 });
    expect([...queue.inOrder(now, agingMs)].map((job) => job.key)).toEqual(['a', 'b']);
  });
});
