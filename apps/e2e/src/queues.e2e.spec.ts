import { queueChaosLine, runQueueChaos, type QueueChaosReport } from '@aether/chaos';

/**
 * Work queues under a robot kill (the 1,000-item, 4-robot run is `npm run chaos:queues`): items
 * with unique references through a queue trigger, worked by `queue.next` / `queue.complete` /
 * `queue.fail` steps on real robots, one robot SIGKILLed mid-run and replaced.
 */
describe('work queues: every item ends once, as its exceptions say', () => {
  let report: QueueChaosReport;

  beforeAll(async () => {
    report = await runQueueChaos({
      items: Number(process.env['QUEUE_ITEMS'] ?? 100),
      robots: 2,
      kills: 1,
      timeoutMs: 240_000,
    });
    process.stdout.write(`${queueChaosLine(report)}\n`);
  }, 300_000);

  it('ends every item, each plain one successful and completed exactly once, through a kill', () => {
    expect(report.kills).toBe(1);
    expect(report.unfinished).toBe(0);
    expect(report.completedTwice).toBe(0);
    expect(report.abandoned).toBe(0);
    expect(report.plain.successful).toBe(report.plain.count);
    expect(report.plain.completedOnce).toBe(report.plain.count);
  });

  it('never retries a business exception', () => {
    expect(report.business.count).toBeGreaterThan(0);
    expect(report.business).toMatchObject({ failed: report.business.count, maxAttempts: 1 });
  });

  it('retries an application exception up to the queue limit (maxRetries 2: three attempts)', () => {
    expect(report.flakyOnce.successful).toBe(report.flakyOnce.count);
    expect(report.flakyOnce.minAttempts).toBe(2);
    expect(report.flaky).toMatchObject({ failed: report.flaky.count, attempts: [3] });
  });

  it('refuses a duplicate reference, naming the existing item', () => {
    expect(report.duplicateRefused).toBe(true);
  });
});
