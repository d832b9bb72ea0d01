import type { Browser, Page } from 'playwright-core';
import { FleetMetricsSchema } from '@aether/read-api';
import { eventually } from '@aether/testing';
import {
  DEMO_PASSWORD,
  ensureConsoleBuild,
  gatewayHeaders,
  runDemoJob,
  startTestPlatform,
  type JobResult,
  type TestPlatform,
} from '@aether/platform';
import { launchChromium, screenshot, seriousA11yViolations } from './console/browser';

/**
 * The console as an operator meets it: built once, served by the gateway of a real platform
 * (nats-server, PostgreSQL, every service, a robot that has run the demo job), in real Chromium.
 */
describe('the console', () => {
  let platform: TestPlatform;
  let job: JobResult;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ensureConsoleBuild();
    platform = await startTestPlatform({
      name: 'console',
      robotEnv: { AETHER_SECRET_DEMO_PASSWORD: DEMO_PASSWORD },
    });
    job = await runDemoJob(platform.stack.gatewayUrl, platform.site.url, 90_000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    // Signed in as the tenant's admin, as the sign-in page would leave it.
    const token = (gatewayHeaders(platform.stack.gatewayUrl)['authorization'] ?? '').replace(/^Bearer /, '');
    await page.addInitScript((value) => value && sessionStorage.setItem('aether.accessToken', value), token);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('serves the fleet figures the fleet page reads, valid by their schema', async () => {
    // The robot reports itself idle at its first heartbeat after the job.
    const fleet = await eventually(
      async () => {
        const { status, body } = await platform.api('GET', '/api/v1/metrics/fleet');
        expect(status).toBe(200);
        const figures = FleetMetricsSchema.parse(body);
        return figures.robots[0]?.state === 'idle' ? figures : undefined;
      },
      { timeoutMs: 30_000, what: 'robot-1 idle' },
    );
    expect(job.status).toBe('completed');
    expect(fleet.jobsByStatus.completed).toBe(1);
    expect(fleet.robots).toEqual([expect.objectContaining({ robotId: 'robot-1', state: 'idle' })]);
    expect(fleet.queueDepth.map((band) => band.band)).toEqual(['high', 'normal', 'low']);
  });

  it('opens at / on the Fleet page with the robot and the completed demo job, and is accessible', async () => {
    await page.goto(`${platform.stack.gatewayUrl}/`);
    await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/fleet');
    const robot = page.getByRole('listitem', { name: 'Robot robot-1' });
    await robot.waitFor();
    await robot.getByText('idle').waitFor();
    const completed = page.locator('.tile', { hasText: 'Completed' });
    expect(await completed.locator('.value').textContent()).toBe('1');
    await screenshot(page, 'fleet');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('switches to the dark theme and keeps it across a reload of a deep link', async () => {
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await page.goto(`${platform.stack.gatewayUrl}/fleet`);
    await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    await screenshot(page, 'fleet-dark');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('leaves the API and service endpoints to the API', async () => {
    const missing = await fetch(`${platform.stack.gatewayUrl}/api/v1/nothing-here`, {
      headers: { accept: 'text/html' },
    });
    expect([401, 404]).toContain(missing.status);
    expect(await missing.text()).not.toContain('<ae-root>');
    expect((await fetch(`${platform.stack.gatewayUrl}/health`)).status).toBe(200);
  });
});
