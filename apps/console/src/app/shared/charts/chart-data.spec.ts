import { countTicks, figure, figureTick, queueDepthBars, timeTick, trendLines } from './chart-data';

describe('chart adapters', () => {
  it('turns queue depth per band into labelled bars, in the order given', () => {
    expect(
      queueDepthBars([
        { band: 'high', jobs: 2 },
        { band: 'normal', jobs: 0 },
        { band: 'low', jobs: 7 },
      ]),
    ).toEqual([
      { name: 'High priority', value: 2 },
      { name: 'Normal priority', value: 0 },
      { name: 'Low priority', value: 7 },
    ]);
  });

  it("turns a robot's trend into one line per figure it reported, leaving out figures it never sent", () => {
    const points = [
      { at: '2026-12-06T10:00:00.000Z', cpuPercent: 10, hostCpuPercent: 40 },
      { at: '2026-12-06T10:05:00.000Z', cpuPercent: 12 },
    ];
    expect(
      trendLines(points, {
        'Robot CPU %': 'cpuPercent',
        'Host CPU %': 'hostCpuPercent',
        Browsers: 'browserRssMb',
      }),
    ).toEqual([
      {
        name: 'Robot CPU %',
        series: [
          { name: new Date('2026-12-06T10:00:00.000Z'), value: 10 },
          { name: new Date('2026-12-06T10:05:00.000Z'), value: 12 },
        ],
      },
      { name: 'Host CPU %', series: [{ name: new Date('2026-12-06T10:00:00.000Z'), value: 40 }] },
    ]);
  });

  it('holds the last point until now, within its bucket, so one point draws as a segment', () => {
    const points = [{ at: '2026-12-06T10:00:00.000Z', cpuPercent: 10 }];
    const line = (now: string) =>
      trendLines(points, { CPU: 'cpuPercent' }, { at: new Date(now), bucketMs: 300_000 })[0]?.series;
    expect(line('2026-12-06T10:02:00.000Z')).toEqual([
      { name: new Date('2026-12-06T10:00:00.000Z'), value: 10 },
      { name: new Date('2026-12-06T10:02:00.000Z'), value: 10 },
    ]);
    expect(line('2026-12-06T11:00:00.000Z')?.at(-1)?.name).toEqual(new Date('2026-12-06T10:05:00.000Z'));
  });

  it('labels time ticks on the 24-hour clock, and days at midnight', () => {
    expect(timeTick(new Date(2026, 11, 7, 20, 5))).toBe('20:05');
    expect(timeTick(new Date(2026, 11, 7, 8, 0))).toBe('08:00');
    expect(timeTick(new Date(2026, 11, 7))).toBe('7 Dec');
    expect(timeTick(new Date(2026, 11, 7, 21, 15, 20))).toBe('21:15:20');
    expect(timeTick(new Date(2026, 11, 7, 0, 0, 5))).toBe('00:00:05');
  });

  it('writes value ticks without padding zeros', () => {
    expect([0, 0.5, 7.25, 20000].map(figureTick)).toEqual(['0', '0.5', '7.25', '20,000']);
  });

  it('counts in whole-number ticks from zero, one when nothing was counted', () => {
    expect(countTicks(0)).toEqual([0, 1]);
    expect(countTicks(1)).toEqual([0, 1]);
    expect(countTicks(4)).toEqual([0, 1, 2, 3, 4]);
    expect(countTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(countTicks(100)).toEqual([0, 25, 50, 75, 100]);
  });

  it('writes a figure as its axis would, rounded to what a person reads, with its unit', () => {
    expect(figure(18714.4, 'MiB')).toBe('18,714 MiB');
    expect(figure(28.93)).toBe('28.9');
    expect(figure(1.234, '%')).toBe('1.23 %');
    expect(figure(7.5, 's')).toBe('7.5 s');
    expect(figure(100, '%')).toBe('100 %');
    expect(figure(0)).toBe('0');
  });
});
