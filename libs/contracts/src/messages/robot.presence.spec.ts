import { VITALS_TREND, foldVitals, type RobotVitals } from './robot.presence';

const vitals = (cpuPercent: number, extra: Partial<RobotVitals> = {}): RobotVitals => ({
  cpuPercent,
  loadAverage: 1,
  rssMb: 100,
  freeMemoryMb: 2000,
  jobs: [],
  resources: {},
  ...extra,
});
const t0 = Date.parse('2026-12-06T10:00:00Z');

describe('foldVitals', () => {
  it('averages the heartbeats of one bucket into one point', () => {
    let trend = foldVitals(undefined, vitals(10, { hostCpuPercent: 40 }), t0);
    trend = foldVitals(trend, vitals(20, { hostCpuPercent: 60 }), t0 + 1000);
    trend = foldVitals(trend, vitals(30), t0 + 2000);
    expect(trend.points).toEqual([
      expect.objectContaining({
        at: '2026-12-06T10:00:00.000Z',
        samples: 3,
        cpuPercent: 20,
        hostCpuPercent: 50,
      }),
    ]);
  });

  it('starts a point per bucket and drops points older than the window', () => {
    let trend = foldVitals(undefined, vitals(10), t0);
    trend = foldVitals(trend, vitals(20), t0 + VITALS_TREND.bucketMs);
    expect(trend.points.map((p) => [p.at, p.cpuPercent])).toEqual([
      ['2026-12-06T10:00:00.000Z', 10],
      ['2026-12-06T10:05:00.000Z', 20],
    ]);
    trend = foldVitals(trend, vitals(30), t0 + VITALS_TREND.windowMs + 1);
    expect(trend.points.map((p) => p.cpuPercent)).toEqual([20, 30]);
  });

  it('stays bounded over days of heartbeats', () => {
    let trend = foldVitals(undefined, vitals(1), t0);
    for (let at = t0; at < t0 + 3 * VITALS_TREND.windowMs; at += 60_000)
      trend = foldVitals(trend, vitals(1), at);
    expect(trend.points.length).toBeLessThanOrEqual(VITALS_TREND.windowMs / VITALS_TREND.bucketMs + 1);
  });
});
