import { bucketStarts, histogramQuantile, rollupSpans } from './analytics-queries';
import { depthHistory } from './metrics-queries';

describe('analytics helpers', () => {
  it('reads quantiles from a log histogram within a fifth of the exact value', () => {
    const histogram: Record<string, number> = {};
    const durations = [100, 120, 150, 200, 1_000, 1_100, 1_200, 5_000, 9_000, 60_000];
    for (const ms of durations) {
      const bucket = Math.floor(4 * Math.log2(ms));
      histogram[bucket] = (histogram[bucket] ?? 0) + 1;
    }
    const exact = (q: number) => [...durations].sort((a, b) => a - b)[Math.ceil(q * durations.length) - 1]!;
    for (const q of [0.5, 0.9, 0.99]) {
      const read = histogramQuantile(histogram, q);
      expect(Math.abs(read - exact(q)) / exact(q)).toBeLessThan(0.19);
    }
    expect(histogramQuantile({}, 0.5)).toBe(0);
  });

  it('lists every bucket start of a range, UTC', () => {
    expect(bucketStarts(new Date('2026-01-01T10:30:00Z'), new Date('2026-01-01T12:00:00Z'), 'hour')).toEqual([
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T11:00:00.000Z',
    ]);
    expect(
      bucketStarts(new Date('2026-01-01T10:30:00Z'), new Date('2026-01-03T00:00:00Z'), 'day'),
    ).toHaveLength(2);
  });

  it('reads whole days from the daily rollup and the partial days at either end by hour', () => {
    const d = (iso: string) => new Date(iso);
    const spans = (from: string, to: string) => JSON.parse(JSON.stringify(rollupSpans(d(from), d(to))));
    expect(spans('2026-01-01T10:30:00Z', '2026-01-04T05:10:00Z')).toEqual({
      hourly: [
        ['2026-01-01T10:00:00.000Z', '2026-01-02T00:00:00.000Z'],
        ['2026-01-04T00:00:00.000Z', '2026-01-04T05:10:00.000Z'],
      ],
      daily: ['2026-01-02T00:00:00.000Z', '2026-01-04T00:00:00.000Z'],
    });
    // Aligned ends: days only.
    expect(spans('2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z')).toEqual({
      hourly: [],
      daily: ['2026-01-01T00:00:00.000Z', '2026-01-03T00:00:00.000Z'],
    });
    // No whole day inside: hours only.
    expect(spans('2026-01-01T10:30:00Z', '2026-01-02T05:00:00Z')).toEqual({
      hourly: [['2026-01-01T10:00:00.000Z', '2026-01-02T05:00:00.000Z']],
    });
  });
});

describe('depthHistory', () => {
  it("shows a band's peak in a minute it changed in, and carries what it was left at", () => {
    const minute = (m: number) => new Date(Date.UTC(2026, 0, 1, 10, m));
    const points = depthHistory(
      [
        { minute: minute(0), band: 'high', jobs: 2, peak: 2 },
        { minute: minute(57), band: 'low', jobs: 0, peak: 4 }, // four waited, none left
        { minute: minute(58), band: 'high', jobs: 0, peak: 2 },
      ],
      new Date(Date.UTC(2026, 0, 1, 10, 59, 30)),
    );
    expect(points).toHaveLength(60);
    expect(points[0]).toEqual({ at: '2026-01-01T10:00:00.000Z', high: 2, normal: 0, low: 0 });
    expect(points.slice(-3).map((p) => [p.high, p.low])).toEqual([
      [2, 4],
      [2, 0],
      [0, 0],
    ]);
  });
});
