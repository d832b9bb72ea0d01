import { spawn } from 'node:child_process';
import { eventually } from '@aether/testing';
import { HostFigures, browserRssMb } from './host-figures';

describe('host figures', () => {
  it('reads the machine CPU share, free disk and browser memory', () => {
    const figures = new HostFigures(0);
    const spin = Date.now() + 50;
    while (Date.now() < spin); // some CPU time to measure
    const read = figures.read();
    expect(read.hostCpuPercent).toBeGreaterThan(0);
    expect(read.hostCpuPercent).toBeLessThanOrEqual(100);
    expect(read.diskFreeMb).toBeGreaterThan(0);
    expect(read.browserRssMb).toBe(0); // this test process started no browser
  });

  it("counts a browser child's resident memory", async () => {
    const child = spawn('/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-gpu', 'about:blank'], {
      stdio: 'ignore',
    });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const mb = await eventually(async () => ((browserRssMb() ?? 0) > 1 ? browserRssMb() : undefined), {
        what: "the browser's memory counted",
        timeoutMs: 10_000,
      });
      expect(mb).toBeGreaterThan(1);
    } finally {
      child.kill();
    }
  });
});
