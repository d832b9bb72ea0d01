import type { RobotPresence } from '@aether/contracts';
import { overdueSteps } from './overdue-steps';

const NOW = Date.parse('2026-12-06T10:00:00.000Z');
const robot = (status: RobotPresence['status'], startedAgoMs: number, extra = {}): RobotPresence =>
  ({
    robotId: 'r1',
    tenantId: 'default',
    status,
    vitals: {
      jobs: [
        {
          jobId: 'j1',
          completedSteps: 0,
          step: {
            key: 'open',
            nodeType: 'browser.goto',
            startedAt: new Date(NOW - startedAgoMs).toISOString(),
            limitMs: 3_000,
            idempotent: true,
            ...extra,
          },
        },
      ],
    },
  }) as unknown as RobotPresence;

describe('overdueSteps', () => {
  it('names a step an online robot reports past its limit plus the grace', () =>
    expect(overdueSteps([robot('online', 8_001)], NOW, 5_000)).toEqual([
      {
        tenantId: 'default',
        robotId: 'r1',
        jobId: 'j1',
        stepKey: 'open',
        nodeType: 'browser.goto',
        elapsedMs: 8_001,
        limitMs: 3_000,
        idempotent: true,
      },
    ]));
  it('leaves a step within its grace, an offline robot, and a robot that reports no limit', () => {
    expect(overdueSteps([robot('online', 8_000)], NOW, 5_000)).toEqual([]);
    expect(overdueSteps([robot('offline', 60_000)], NOW, 5_000)).toEqual([]);
    expect(overdueSteps([robot('online', 60_000, { limitMs: undefined })], NOW, 5_000)).toEqual([]);
  });
});
