import { descendants, linearFit, parseSmapsRollup, processKind, summarize, treeMemory } from './memory';

describe('processKind', () => {
  it("names Chromium's processes by their --type, the browser by its absence", () => {
    expect(processKind(['/usr/lib/chromium/chromium', '--headless'], false)).toBe('browser');
    expect(processKind(['/usr/lib/chromium/chromium', '--type=renderer', '--lang=en'], false)).toBe(
      'renderer',
    );
    expect(processKind(['/usr/lib/chromium/chromium', '--type=gpu-process'], false)).toBe('gpu');
    expect(
      processKind(['/usr/lib/chromium/chromium', '--type=utility', '--utility-sub-type=network'], false),
    ).toBe('utility');
    expect(processKind(['/usr/lib/chromium/chromium', '--type=zygote'], false)).toBe('zygote');
    expect(processKind(['/usr/lib/chromium/chromium', '--type=broker'], false)).toBe('other');
  });

  it('reads the command line Chromium children rewrite as one string', () => {
    expect(processKind(['/usr/lib/chromium/chromium --type=renderer --lang=en-US', ''], false)).toBe(
      'renderer',
    );
    expect(processKind(['/usr/lib/chromium/chromium --type=zygote --no-zygote-sandbox'], false)).toBe(
      'zygote',
    );
  });

  it('calls the root the robot, and anything not Chromium under it other', () => {
    expect(processKind(['/usr/bin/node', 'apps/robot/src/main.ts'], true)).toBe('robot');
    expect(processKind(['/bin/sh', '-c', 'true'], false)).toBe('other');
  });
});

describe('descendants', () => {
  it('finds children of children, and nothing outside the tree', () => {
    const parentOf = new Map([
      [10, 1],
      [11, 10],
      [12, 11],
      [13, 10],
      [20, 1],
    ]);
    expect(descendants(parentOf, 10).sort()).toEqual([10, 11, 12, 13]);
  });
});

describe('parseSmapsRollup', () => {
  it('reads Rss and Pss in kB', () => {
    const text = [
      '55d70fafd000-7ffd39912000 ---p 00000000 00:00 0                          [rollup]',
      'Rss:                1804 kB',
      'Pss:                 163 kB',
      'Pss_Dirty:           116 kB',
    ].join('\n');
    expect(parseSmapsRollup(text)).toEqual({ rssKb: 1804, pssKb: 163 });
  });
});

describe('summarize', () => {
  it('adds up the tree and each kind of process, in MB', () => {
    const tree = summarize([
      { pid: 1, kind: 'robot', rssKb: 204_800, pssKb: 153_600 },
      { pid: 2, kind: 'renderer', rssKb: 102_400, pssKb: 51_200 },
      { pid: 3, kind: 'renderer', rssKb: 102_400, pssKb: 51_200 },
    ]);
    expect(tree).toEqual({
      rssMb: 400,
      pssMb: 250,
      byKind: { robot: { count: 1, rssMb: 200, pssMb: 150 }, renderer: { count: 2, rssMb: 200, pssMb: 100 } },
    });
  });
});

describe('treeMemory', () => {
  it('finds this process and its memory in /proc', () => {
    const tree = treeMemory(process.pid);
    expect(tree.byKind.robot?.count).toBe(1);
    expect(tree.pssMb).toBeGreaterThan(10);
    expect(tree.rssMb).toBeGreaterThanOrEqual(tree.pssMb);
  });
});

describe('linearFit', () => {
  it('finds the slope and intercept of points on a line', () => {
    const fit = linearFit([
      { x: 1, y: 400 },
      { x: 2, y: 500 },
      { x: 4, y: 700 },
    ]);
    expect(fit.slope).toBeCloseTo(100, 9);
    expect(fit.intercept).toBeCloseTo(300, 9);
  });

  it('is undefined (NaN) for fewer than two points', () => {
    expect(linearFit([{ x: 1, y: 1 }]).slope).toBeNaN();
  });
});
