import type { Browser, Page } from 'playwright-core';
import { jetstream } from '@nats-io/jetstream';
import { subjects } from '@aether/contracts';
import { connectNats } from '@aether/event-store';
import {
  AnalyticsSchema,
  FleetMetricsSchema,
  HealProposalListSchema,
  JobsPageSchema,
  QuarantineListSchema,
  QueueMetricsSchema,
  SubscriptionDeliveriesSchema,
  RobotMetricsSchema,
  WorkflowVersionListSchema,
} from '@aether/read-api';
import { eventually } from '@aether/testing';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEMO_PASSWORD,
  DEMO_WORKFLOW_FILE,
  demoVariables,
  ensureConsoleBuild,
  gatewayHeaders,
  runDemoJob,
  runQueueDemo,
  startTestPlatform,
  waitForJob,
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
  /** The tenant admin's bearer token, as the sign-in page keeps it. */
  let token: string;
  /** The job the live test triggered and watched complete. */
  let liveJobId: string;

  beforeAll(async () => {
    ensureConsoleBuild();
    platform = await startTestPlatform({
      name: 'console',
      robotEnv: { AETHER_SECRET_DEMO_PASSWORD: DEMO_PASSWORD },
      env: {
        // The deadline test: the dispatcher reads the demo workflow's measured duration soon after
        // it is measured and forecasts often; the subscription test parks a failing delivery fast.
        DURATIONS_REFRESH_MS: '1000',
        FORECAST_INTERVAL_MS: '250',
        OUTBOUND_MAX_ATTEMPTS: '2',
        OUTBOUND_BACKOFF_BASE_MS: '100',
        OUTBOUND_BACKOFF_CAP_MS: '200',
        OUTBOUND_TIMEOUT_MS: '2000',
      },
    });
    job = await runDemoJob(platform.stack.gatewayUrl, platform.site.url, 90_000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    // Signed in as the tenant's admin, as the sign-in page would leave it.
    token = (gatewayHeaders(platform.stack.gatewayUrl)['authorization'] ?? '').replace(/^Bearer /, '');
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
    // Nothing runs: the empty list points to where a workflow is triggered, in the console.
    await page
      .getByRole('region', { name: 'Active jobs' })
      .getByRole('link', { name: 'Workflows' })
      .waitFor();
    await screenshot(page, 'fleet');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("opens a robot's page from Fleet: host, version, pools, its 24-hour trend and its latest jobs", async () => {
    // A robot's first heartbeat has no CPU figure yet (it is measured between two beats).
    const robot = await eventually(
      async () => {
        const { status, body } = await platform.api('GET', '/api/v1/metrics/robots/robot-1');
        expect(status).toBe(200);
        const read = RobotMetricsSchema.parse(body);
        return read.vitals?.hostCpuPercent === undefined ? undefined : read;
      },
      { timeoutMs: 30_000, what: "a heartbeat with the host's CPU figure" },
    );
    expect(robot.robot).toMatchObject({ robotId: 'robot-1', hostname: expect.any(String) });
    expect(robot.vitals?.hostCpuPercent).toEqual(expect.any(Number));
    expect(robot.vitals?.pools.map((pool) => pool.name)).toContain('browserContexts');
    expect(robot.trend.length).toBeGreaterThan(0);
    expect(robot.recentJobs.map((row) => row.jobId)).toContain(job.jobId);
    expect((await platform.api('GET', '/api/v1/metrics/robots/robot-404')).status).toBe(404);

    await page.getByRole('link', { name: 'Open robot robot-1' }).click();
    await page.getByRole('heading', { name: 'Robot robot-1', level: 1 }).waitFor();
    await page.getByText(robot.robot.hostname ?? '', { exact: true }).waitFor();
    await page
      .getByRole('img', { name: /^CPU over the last 24 hours: Host CPU latest \d+(\.\d{1,2})? %/ })
      .waitFor();
    await page.getByRole('img', { name: /^Memory over the last 24 hours/ }).waitFor();
    await page.getByRole('row', { name: `Job ${job.jobId}` }).waitFor();
    // The vitals line writes figures as the charts' legends do (`21,562 MiB`, not `21562 MiB`).
    expect(await page.locator('p.now').textContent()).toMatch(/free memory \d{1,3}(,\d{3})* MiB/);
    await screenshot(page, 'robot');
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

  it('pages the job list by its schema and refuses a malformed query', async () => {
    const { status, body } = await platform.api('GET', '/api/v1/metrics/jobs?status=completed&sort=priority');
    expect(status).toBe(200);
    const page = JobsPageSchema.parse(body);
    expect(page.items).toEqual([
      expect.objectContaining({ jobId: job.jobId, status: 'completed', robotId: 'robot-1' }),
    ]);
    expect(page.nextCursor).toBeNull();
    const bad = await platform.api<{ problems: { path: string }[] }>(
      'GET',
      '/api/v1/metrics/jobs?status=exploded&limit=9999',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.problems.map((p) => p.path).sort()).toEqual(['query.limit', 'query.status.0']);
  });

  it('lists the demo job on the Jobs page, and says what to do when a filter finds nothing', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.evaluate(() => localStorage.removeItem('aether.theme'));
    await page.goto(`${platform.stack.gatewayUrl}/`);
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    const row = page.getByRole('row', { name: `Job ${job.jobId}` });
    await row.getByText('completed').waitFor();
    expect(await row.locator('time').first().getAttribute('title')).toMatch(/ UTC$/);
    await screenshot(page, 'jobs');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByLabel('Status').selectOption({ label: 'Failed' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No job matches these filters').waitFor();
    expect(new URL(page.url()).searchParams.get('status')).toBe('failed');
    await screenshot(page, 'jobs-filtered-empty');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Clear' }).click();
    await row.waitFor();
    await page.getByRole('button', { name: 'Priority' }).click();
    await page.locator('th[aria-sort="descending"]', { hasText: 'Priority' }).waitFor();
    expect(new URL(page.url()).searchParams.get('sort')).toBe('priority');
  });

  it('triggers the demo workflow from the Workflows page with variables from its inputs, by keyboard', async () => {
    await page.goto(`${platform.stack.gatewayUrl}/workflows`);
    await page.getByRole('heading', { name: 'Workflows', level: 1 }).waitFor();
    await page.getByRole('button', { name: /Demo order entry/ }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /^Trigger Demo order entry/ }).waitFor();
    await screenshot(page, 'workflows');
    expect(await seriousA11yViolations(page)).toEqual([]);
    const vars = demoVariables(platform.site.url);
    await page.getByLabel('siteUrl').fill(vars.siteUrl);
    await page.getByLabel('customer').fill(vars.customer);
    await page.getByLabel('email').fill(vars.email);
    await page.getByLabel('product').selectOption(vars.product);
    await page.getByLabel('quantity').fill(String(vars.quantity));
    await page.getByLabel('deliveryDate').fill(vars.deliveryDate);
    await page.getByLabel('shipping').selectOption(vars.shipping);
    await page.getByRole('button', { name: 'Trigger' }).focus();
    await page.keyboard.press('Enter');
    const link = page.getByRole('status').getByRole('link').first();
    await link.waitFor();
    const jobId = (await link.textContent())?.trim() ?? '';
    const done = await waitForJob(platform.stack.gatewayUrl, jobId, 90_000);
    expect(done.status).toBe('completed');
    expect(String(done.outputs?.['confirmationNumber'])).toMatch(/^AE-/);
  });

  it('shows a triggered job arrive and complete live on the Jobs page, without a reload', async () => {
    await page.goto(`${platform.stack.gatewayUrl}/jobs`);
    await page.getByRole('status').getByText('Live', { exact: true }).waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const { id: workflowId } = JSON.parse(readFileSync(DEMO_WORKFLOW_FILE, 'utf8')) as { id: string };
    const { status, body } = await platform.api<{ jobId: string }>(
      'POST',
      `/api/v1/workflows/${workflowId}/trigger`,
      {
        variables: demoVariables(platform.site.url),
        priority: 12,
      },
    );
    expect(status).toBe(202);
    const row = page.getByRole('row', { name: `Job ${body.jobId}` });
    await row.waitFor({ timeout: 15_000 });
    await row.getByText('running').waitFor({ timeout: 30_000 });
    await screenshot(page, 'jobs-live-running');
    await row.getByText('completed').waitFor({ timeout: 90_000 });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    expect(await row.getByRole('cell').nth(3).textContent()).toBe('robot-1');
    liveJobId = body.jobId;
  });

  it("opens a job's detail from the list: every step on the timeline and the confirmation number", async () => {
    const done = await waitForJob(platform.stack.gatewayUrl, liveJobId, 30_000);
    const confirmation = String(done.outputs?.['confirmationNumber']);
    expect(confirmation).toMatch(/^AE-/);
    await page.getByRole('link', { name: `Open job ${liveJobId}` }).click();
    await page.getByRole('heading', { name: /^Job / }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/jobs/${liveJobId}`);
    const { nodes } = JSON.parse(readFileSync(DEMO_WORKFLOW_FILE, 'utf8')) as { nodes: { id: string }[] };
    for (const node of nodes) await page.getByRole('listitem', { name: `Step ${node.id}` }).waitFor();
    expect(await page.getByRole('listitem', { name: /^Step / }).count()).toBe(nodes.length);
    const outputs = page.getByRole('region', { name: 'Summary' });
    await outputs.getByText(confirmation, { exact: true }).waitFor();
    // A step opens to its attempts and output; the password it typed is a reference, never a value.
    const read = page.getByRole('listitem', { name: 'Step read-confirmation' });
    await read.locator('summary').click();
    await read.getByRole('figure', { name: 'Output of read-confirmation' }).getByText(confirmation).waitFor();
    expect(await page.content()).not.toContain(DEMO_PASSWORD);
    await screenshot(page, 'job-detail');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('cancels a waiting job from its detail page, after asking, by keyboard alone', async () => {
    const sleepy = {
      id: 'console-sleepy',
      inputs: { ms: { type: 'integer', default: 50 } },
      nodes: [{ id: 'wait', type: 'delay', params: { ms: '{{ inputs.ms }}' } }],
    };
    expect((await platform.api('POST', '/api/v1/workflows', sleepy)).status).toBe(201);
    expect(
      (await platform.api('PUT', `/api/v1/workflows/${sleepy.id}/dispatch-policy`, { maxConcurrentJobs: 1 }))
        .status,
    ).toBe(200);
    const trigger = async (ms: number) =>
      (
        await platform.api<{ jobId: string }>('POST', `/api/v1/workflows/${sleepy.id}/trigger`, {
          variables: { ms },
        })
      ).body.jobId;
    const busy = await trigger(120_000);
    await eventually(
      async () =>
        (await platform.api('GET', `/api/v1/jobs/${busy}`)).body['status'] === 'running' ? true : undefined,
      {
        what: 'the first sleepy job running',
        timeoutMs: 30_000,
      },
    );
    // Fleet lists it among the active jobs, a link to its page.
    await page.goto(`${platform.stack.gatewayUrl}/fleet`);
    await page
      .getByRole('row', { name: `Job ${busy}` })
      .getByRole('link', { name: `Open job ${busy}` })
      .click();
    await page.getByRole('heading', { name: /^Job / }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/jobs/${busy}`);
    const waiting = await trigger(50); // held back by the workflow's concurrency limit of 1
    await page.goto(`${platform.stack.gatewayUrl}/jobs/${waiting}`);
    await page.getByRole('heading', { name: /^Job / }).waitFor();
    const cancel = page.getByRole('button', { name: 'Cancel job' });
    await cancel.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: /^Cancel job / });
    await dialog.waitFor();
    await screenshot(page, 'job-cancel-confirm');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.keyboard.type('not needed today');
    await dialog.getByRole('button', { name: 'Cancel job' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('ae-status').first().getByText('cancelled').waitFor({ timeout: 15_000 });
    await page.getByText('Cancel requested').waitFor();
    await page.getByText('not needed today').waitFor();
    expect((await platform.api('GET', `/api/v1/jobs/${waiting}`)).body['status']).toBe('cancelled');
    await screenshot(page, 'job-cancelled');
    expect((await platform.api('POST', `/api/v1/jobs/${busy}/cancel`, {})).status).toBe(202);
  });

  it('lists a job whose retries ran out on Dead letters as it happens, and requeues it after asking', async () => {
    const broken = {
      id: 'console-broken',
      nodes: [{ id: 'parse', type: 'data.jsonParse', params: { text: 'not json' } }],
    };
    expect((await platform.api('POST', '/api/v1/workflows', broken)).status).toBe(201);
    expect(
      (
        await platform.api('PUT', `/api/v1/workflows/${broken.id}/dispatch-policy`, {
          retry: { delaysMs: [] },
        })
      ).status,
    ).toBe(200);
    // The page is open before the job runs: the dead letter arrives without a reload.
    await page.goto(`${platform.stack.gatewayUrl}/dead-letters`);
    await page.getByRole('heading', { name: 'Dead letters', level: 1 }).waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const { body } = await platform.api<{ jobId: string }>(
      'POST',
      `/api/v1/workflows/${broken.id}/trigger`,
      {},
    );
    const row = page.getByRole('row', { name: `Dead letter ${body.jobId}` });
    await row.waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    await screenshot(page, 'dead-letters');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await row.getByRole('button', { name: 'Requeue' }).click();
    const dialog = page.getByRole('dialog', { name: /^Requeue job / });
    await dialog.getByRole('button', { name: 'Requeue' }).click();
    await page
      .getByRole('status')
      .getByText(/requeued/)
      .waitFor();
    const requeued = await platform.events(body.jobId);
    expect(requeued.map((event) => event.type)).toContain('JobRequeued');
  });

  it("shows a failed browser step's screenshot and DOM snapshot on the job's page", async () => {
    const missing = {
      id: 'console-missing',
      inputs: { siteUrl: { type: 'string', required: true } },
      // Only the click is cut short: under CI's load the page itself may take longer than 1.5 s to
      // load, and a stalled or failed goto is not the failure this test looks at.
      nodes: [
        { id: 'open', type: 'browser.goto', params: { url: '{{ inputs.siteUrl }}/login' }, next: 'press' },
        { id: 'press', type: 'browser.click', params: { selector: '#no-such-button' }, timeoutMs: 1500 },
      ],
    };
    expect((await platform.api('POST', '/api/v1/workflows', missing)).status).toBe(201);
    await platform.api('PUT', `/api/v1/workflows/${missing.id}/dispatch-policy`, { retry: { delaysMs: [] } });
    const { body } = await platform.api<{ jobId: string }>(
      'POST',
      `/api/v1/workflows/${missing.id}/trigger`,
      {
        variables: { siteUrl: platform.site.url },
      },
    );
    expect((await waitForJob(platform.stack.gatewayUrl, body.jobId, 60_000)).status).toBe('failed');
    const failed = (await platform.events(body.jobId)).find((event) => event.type === 'StepFailed');
    expect(failed?.data['nodeId']).toBe('press');
    const artifacts = (failed?.data['artifacts'] ?? []) as { kind: string; ref: string }[];
    expect(artifacts.map((a) => a.kind).sort()).toEqual(['dom', 'screenshot']);
    const fetchArtifact = (jobId: string, ref: string) =>
      fetch(`${platform.stack.gatewayUrl}/api/v1/jobs/${jobId}/artifact?ref=${encodeURIComponent(ref)}`, {
        headers: gatewayHeaders(platform.stack.gatewayUrl),
      });
    const shot = await fetchArtifact(body.jobId, artifacts.find((a) => a.kind === 'screenshot')?.ref ?? '');
    expect(shot.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await shot.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    const dom = await fetchArtifact(body.jobId, artifacts.find((a) => a.kind === 'dom')?.ref ?? '');
    expect(dom.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await dom.text()).toContain('<html');
    // Another job's events do not name it: not served through that job.
    expect((await fetchArtifact(job.jobId, artifacts[0]?.ref ?? '')).status).toBe(404);

    await page.goto(`${platform.stack.gatewayUrl}/jobs/${body.jobId}`);
    const step = page.getByRole('listitem', { name: 'Step press' });
    await step.locator('summary').click();
    const image = step.getByRole('img', { name: 'Failure screenshot of press' });
    await image.waitFor();
    expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);
    await step.getByRole('link', { name: /^DOM snapshot of press/ }).waitFor();
    await screenshot(page, 'job-failure-artifacts');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("fits a phone's width: the navigation wraps and a wide table scrolls inside its card", async () => {
    const narrow = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await narrow.addInitScript(
        (value) => value && sessionStorage.setItem('aether.accessToken', value),
        token,
      );
      // Each page waits for what makes it wide: a robot, a table's rows (a dead letter: the test before's), the charts.
      const shown: [string, ReturnType<Page['getByRole']>][] = [
        ['/fleet', narrow.getByRole('listitem', { name: 'Robot robot-1' })],
        ['/jobs', narrow.getByRole('row', { name: `Job ${job.jobId}` })],
        ['/dead-letters', narrow.getByRole('row', { name: /^Dead letter / }).first()],
        ['/analytics', narrow.getByRole('img', { name: /^Five slowest workflows by p90/ })],
      ];
      for (const [path, content] of shown) {
        await narrow.goto(`${platform.stack.gatewayUrl}${path}`);
        await content.waitFor();
        const width = await narrow.evaluate(() => document.documentElement.scrollWidth);
        expect({ path, overflow: Math.max(0, width - 390) }).toEqual({ path, overflow: 0 });
        const quarantine = await narrow
          .getByRole('navigation', { name: 'Main' })
          .getByRole('link', { name: 'Quarantine' })
          .boundingBox();
        expect((quarantine?.x ?? Infinity) + (quarantine?.width ?? 0)).toBeLessThanOrEqual(390);
      }
      await screenshot(narrow, 'jobs-narrow');
    } finally {
      await narrow.close();
    }
  });

  it('lists cron schedules with their next fire on Schedules, pauses and resumes one, and says how to add a webhook', async () => {
    const created = await platform.api('POST', '/api/v1/schedules', {
      scheduleId: 'console-nightly',
      workflowId: 'console-sleepy',
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      misfirePolicy: 'fire_once',
      variables: { ms: 10 },
    });
    expect(created.status).toBe(201);
    await page.goto(`${platform.stack.gatewayUrl}/fleet`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedules' }).click();
    await page.getByRole('heading', { name: 'Schedules', level: 1 }).waitFor();
    const row = page.getByRole('row', { name: 'Schedule console-nightly' });
    await row.getByText('Europe/Berlin').waitFor();
    expect(await row.locator('time').getAttribute('datetime')).toBe(created.body['nextRunAt']);
    await page.getByText('No webhook trigger yet').waitFor();
    // Paused and resumed from the page, as an operator stops a schedule that misfires.
    await row.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('status').getByText('Schedule console-nightly paused.').waitFor();
    await row.getByText('paused').waitFor();
    expect((await platform.api('GET', '/api/v1/schedules/console-nightly')).body['paused']).toBe(true);
    await screenshot(page, 'schedules');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await row.getByRole('button', { name: 'Resume' }).click();
    await row.locator('time').waitFor();
    expect((await platform.api('GET', '/api/v1/schedules/console-nightly')).body['paused']).toBe(false);
  });

  it('shows a quarantined command with its reason on Quarantine, never its body', async () => {
    const nc = await connectNats({ servers: platform.nats.url, name: 'console-e2e' });
    try {
      await jetstream(nc).publish(
        subjects.command('default', 'RequestJob'),
        JSON.stringify({ type: 'RequestJob', note: 'console-e2e-body' }),
      );
    } finally {
      await nc.close();
    }
    const listed = await eventually(
      async () => {
        const { body } = await platform.api('GET', '/api/v1/quarantine');
        const list = QuarantineListSchema.parse(body);
        return list.total > 0 ? list : undefined;
      },
      { what: 'the malformed command quarantined', timeoutMs: 30_000 },
    );
    const message = listed.messages[0];
    expect(message).toMatchObject({ consumer: 'scheduler-request-job', origin: { stream: 'COMMANDS' } });
    await page.goto(`${platform.stack.gatewayUrl}/quarantine`);
    const row = page.getByRole('row', { name: `Quarantined message ${message?.sequence}` });
    await row.getByText('scheduler-request-job').waitFor();
    expect(await row.textContent()).toContain(message?.reason.slice(0, 40));
    expect(await page.content()).not.toContain('console-e2e-body');
    await screenshot(page, 'quarantine');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('approves a healing proposal by keyboard: old and new selector side by side, a new version published', async () => {
    const login = {
      id: 'console-heal',
      inputs: { siteUrl: { type: 'string', required: true } },
      defaults: { healing: 'heal' },
      nodes: [
        { id: 'open', type: 'browser.goto', params: { url: '{{ inputs.siteUrl }}/login' }, next: 'user' },
        { id: 'user', type: 'browser.fill', params: { selector: '#username', value: 'demo' } },
      ],
    };
    expect((await platform.api('POST', '/api/v1/workflows', login)).status).toBe(201);
    const run = async () => {
      const { body } = await platform.api<{ jobId: string }>(
        'POST',
        `/api/v1/workflows/${login.id}/trigger`,
        {
          variables: { siteUrl: platform.site.url },
        },
      );
      return waitForJob(platform.stack.gatewayUrl, body.jobId, 60_000);
    };
    try {
      platform.site.setVariant('v1');
      expect((await run()).status).toBe('completed'); // fingerprints recorded
      platform.site.setVariant('v2-renamed');
      expect((await run()).status).toBe('completed'); // healed: #username is gone
    } finally {
      platform.site.setVariant('v1');
    }
    const [proposal] = await eventually(
      async () => {
        const { body } = await platform.api(
          'GET',
          `/api/v1/healing/proposals?status=open&workflowId=${login.id}`,
        );
        const list = HealProposalListSchema.parse(body);
        return list.length > 0 ? list : undefined;
      },
      { what: 'a proposal for console-heal', timeoutMs: 30_000 },
    );
    await page.goto(`${platform.stack.gatewayUrl}/healing`);
    const card = page.getByRole('listitem', { name: 'Proposal for console-heal version 1' });
    const patch = card.getByRole('row', { name: 'Patch of step user' });
    await patch.locator('del').getByText('#username').waitFor();
    expect(await patch.locator('ins').textContent()).toBe(proposal?.patches[0]?.to);
    await screenshot(page, 'healing');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await card.getByRole('button', { name: 'Approve' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: /^Approve the proposal for console-heal/ });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Approve' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').getByText('console-heal version 2 uses the healed selectors').waitFor();
    await page.getByText('No open proposal').waitFor();
    const latest = await platform.api<{ version: number }>('GET', `/api/v1/workflows/${login.id}`);
    expect(latest.body.version).toBe(2);
  });

  it("lists a workflow's versions on Workflows and triggers the one picked, with that version's inputs", async () => {
    const version = (description: string, input: string) => ({
      id: 'console-versions',
      name: 'Console versions',
      description,
      inputs: { [input]: { type: 'string', required: true } },
      nodes: [{ id: 'wait', type: 'delay', params: { ms: 10 } }],
    });
    for (const body of [version('asks for a note', 'note'), version('asks for a ticket', 'ticket')])
      expect((await platform.api('POST', '/api/v1/workflows', body)).status).toBe(201);
    // The read model has them once the projector has caught up with the two publications.
    const listed = await eventually(
      async () => {
        const { status, body } = await platform.api('GET', '/api/v1/workflows/console-versions/versions');
        if (status === 404) return undefined;
        expect(status).toBe(200);
        const read = WorkflowVersionListSchema.parse(body);
        return read.versions.length === 2 ? read : undefined;
      },
      { timeoutMs: 30_000, what: 'both versions of console-versions in the read model' },
    );
    expect(listed.versions.map((v) => [v.version, v.description, v.nodes])).toEqual([
      [2, 'asks for a ticket', 1],
      [1, 'asks for a note', 1],
    ]);
    expect((await platform.api('GET', '/api/v1/workflows/console-versions?version=1')).body).toMatchObject({
      version: 1,
      definition: { description: 'asks for a note' },
    });
    expect((await platform.api('GET', '/api/v1/workflows/console-versions?version=3')).status).toBe(404);
    expect((await platform.api('GET', '/api/v1/workflows/console-versions?version=x')).status).toBe(400);
    expect((await platform.api('GET', '/api/v1/workflows/nope/versions')).status).toBe(404);

    await page.goto(`${platform.stack.gatewayUrl}/workflows`);
    await page.getByRole('button', { name: /Console versions/ }).click();
    await page.getByRole('heading', { name: 'Trigger Console versions v2' }).waitFor();
    await page.getByLabel('ticket').waitFor();
    const versions = page.getByRole('region', { name: 'Versions' });
    await versions.getByRole('row', { name: 'Version 2' }).getByText('(latest)').waitFor();
    await versions.getByRole('button', { name: 'Use v1' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Trigger Console versions v1' }).waitFor();
    expect(await versions.getByRole('button', { name: 'Use v1' }).getAttribute('aria-pressed')).toBe('true');
    await screenshot(page, 'workflow-versions');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByLabel('note').fill('first version');
    // A refusal says why, in the API's words, not only its status.
    await page.getByLabel('Priority (0–20)').fill('25');
    await page.getByRole('button', { name: 'Trigger' }).click();
    await page
      .getByRole('alert')
      .getByText(/^Not triggered: 400 Bad Request: .*body\.priority/)
      .waitFor();
    await page.getByLabel('Priority (0–20)').fill('10');
    // A double-click requests one job.
    const triggers: string[] = [];
    const seen = (request: { method(): string; url(): string }) => {
      if (request.method() === 'POST' && request.url().endsWith('/trigger')) triggers.push(request.url());
    };
    page.on('request', seen);
    await page.getByRole('button', { name: 'Trigger' }).dblclick();
    const link = page.getByRole('status').getByRole('link').first();
    await link.waitFor();
    const jobId = (await link.textContent())?.trim() ?? '';
    const done = await waitForJob(platform.stack.gatewayUrl, jobId, 60_000);
    page.off('request', seen);
    expect(triggers).toHaveLength(1);
    expect(done.status).toBe('completed');
    const job = await platform.api<{ workflowVersion: number }>('GET', `/api/v1/jobs/${jobId}`);
    expect(job.body.workflowVersion).toBe(1);
    const [requested] = await platform.events(jobId);
    expect(requested?.data).toMatchObject({ workflowVersion: 1, variables: { note: 'first version' } });
  });

  it('charts what ran on Analytics (throughput, durations, errors, heals) and the last hour of waiting on Fleet', async () => {
    const { status, body } = await platform.api('GET', '/api/v1/metrics/analytics?bucket=hour');
    expect(status).toBe(200);
    const figures = AnalyticsSchema.parse(body);
    expect(figures.throughput).toHaveLength(7 * 24 + 1); // every hour of the last 7 days, the current one too
    expect(figures.totals.completed).toBeGreaterThanOrEqual(4);
    expect(figures.totals.failed).toBeGreaterThanOrEqual(1);
    expect(figures.durations.map((d) => d.workflowId)).toContain('demo-order-entry');
    expect(figures.errors).toContainEqual(expect.objectContaining({ nodeType: 'data.jsonParse' }));
    expect(figures.healing.reduce((sum, p) => sum + p.applied, 0)).toBeGreaterThanOrEqual(1);
    expect((await platform.api('GET', '/api/v1/metrics/analytics?bucket=week')).status).toBe(400);

    await page.goto(`${platform.stack.gatewayUrl}/fleet`);
    await page.getByRole('img', { name: /^Jobs waiting per priority band, last hour/ }).waitFor();
    await screenshot(page, 'fleet-queue-hour');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    await page.getByRole('img', { name: /^Jobs finished per hour: Completed latest/ }).waitFor();
    await page.getByRole('img', { name: /^Five slowest workflows by p90/ }).waitFor();
    await page.getByRole('heading', { name: 'Slowest workflows, p90 in seconds' }).waitFor();
    await page
      .getByRole('img', { name: /^Failed steps by node type and error code: data\.jsonParse/ })
      .waitFor();
    await page.getByRole('img', { name: /^Heals applied per hour/ }).waitFor();
    await page.getByLabel('Durations of').selectOption('demo-order-entry');
    await page.getByRole('img', { name: /^p50 \/ p90 \/ p99 of demo-order-entry per hour/ }).waitFor();
    await screenshot(page, 'analytics');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it("labels chart axes on the console's 24-hour clock and counts jobs and steps in whole numbers", async () => {
    // A zone where it is afternoon now: a 12-hour label (`03:15`, `03 PM`) cannot pass for `15:15`.
    const hours = Math.min(14, 15 - new Date().getUTCHours());
    const timezoneId = hours === 0 ? 'UTC' : `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId });
    try {
      await context.addInitScript(
        (value) => value && sessionStorage.setItem('aether.accessToken', value),
        token,
      );
      const zoned = await context.newPage();
      const ticks = (caption: string, axis: 'x' | 'y') =>
        zoned
          .locator('figure', { has: zoned.locator('figcaption', { hasText: caption }) })
          .locator(`g[ngx-charts-${axis}-axis-ticks] text`)
          .allTextContents()
          .then((texts) => texts.map((text) => text.trim()));

      await zoned.goto(`${platform.stack.gatewayUrl}/fleet`);
      await zoned.getByRole('img', { name: /^Jobs waiting per priority band, last hour/ }).waitFor();
      const clock = await ticks('Jobs waiting per priority band', 'x');
      expect(clock.length).toBeGreaterThan(0);
      for (const tick of clock) expect(tick).toMatch(/^(1[3-9]|2[0-3]):[0-5]\d(:[0-5]\d)?$/);
      for (const tick of await ticks('Jobs waiting per priority band', 'y')) expect(tick).toMatch(/^\d+$/);

      await zoned.goto(`${platform.stack.gatewayUrl}/analytics`);
      await zoned.getByRole('img', { name: /^Retried and failed steps per hour/ }).waitFor();
      const steps = await ticks('Retried and failed steps per hour', 'y');
      expect(steps.length).toBeGreaterThan(0);
      for (const tick of steps) expect(tick).toMatch(/^\d+$/);
      for (const tick of await ticks('Jobs finished per hour', 'x')) expect(tick).not.toMatch(/AM|PM/);
      await screenshot(zoned, 'analytics-axes');
    } finally {
      await context.close();
    }
  });

  it("draws chart grid lines in the theme's border colour and writes legends and tooltips as the axis does", async () => {
    const token = (gatewayHeaders(platform.stack.gatewayUrl)['authorization'] ?? '').replace(/^Bearer /, '');
    const chart = (on: Page, caption: string) =>
      on.locator('figure', { has: on.locator('figcaption', { hasText: caption }) });
    const legend = (on: Page, caption: string) =>
      chart(on, caption)
        .locator('.legend li')
        .allTextContents()
        .then((texts) => texts.map((text) => text.replace(/\s+/g, ' ').trim()));
    // ngx-charts' own #ddd (rgb(221, 221, 221)) glared on the dark theme's surface.
    for (const [colorScheme, border] of [
      ['dark', 'rgb(49, 58, 71)'],
      ['light', 'rgb(221, 225, 232)'],
    ] as const) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme });
      try {
        await context.addInitScript(
          (value) => value && sessionStorage.setItem('aether.accessToken', value),
          token,
        );
        const themed = await context.newPage();
        await themed.goto(`${platform.stack.gatewayUrl}/analytics`);
        await themed.getByRole('img', { name: /^p50 \/ p90 \/ p99 of/ }).waitFor();
        const strokes = await themed
          .locator('.gridline-path')
          .evaluateAll((lines) => [...new Set(lines.map((line) => getComputedStyle(line).stroke))]);
        expect(strokes).toEqual([border]);
        for (const text of await legend(themed, 'p50 / p90 / p99 of'))
          expect(text).toMatch(/^p(50|90|99) \d+(\.\d{1,2})? s$/);
        for (const text of await legend(themed, 'Jobs finished per')) expect(text).toMatch(/^\w+ \d+$/);
        await screenshot(themed, `analytics-${colorScheme}-charts`);

        await themed.goto(`${platform.stack.gatewayUrl}/robots/robot-1`);
        await themed.getByRole('img', { name: /^Memory over the last 24 hours/ }).waitFor();
        const memory = await legend(themed, 'Memory over the last 24 hours');
        expect(memory.length).toBeGreaterThan(0);
        for (const text of memory)
          expect(text).toMatch(/^(Free memory|Robot|Browsers) \d{1,3}(,\d{3})* MiB$/);
        for (const text of await legend(themed, 'CPU over the last 24 hours'))
          expect(text).toMatch(/^(Host|Robot) CPU \d+(\.\d{1,2})? %$/);
        await chart(themed, 'Memory over the last 24 hours').locator('rect.tooltip-area').hover();
        const tip = (await themed.locator('.ngx-charts-tooltip-content').first().innerText()).replace(
          /\s+/g,
          ' ',
        );
        expect(tip).toMatch(/^([01]\d|2[0-3]):[0-5]\d|\d{1,2} \w{3}/);
        expect(tip).toMatch(/Free memory \d{1,3}(,\d{3})* MiB/);
        await screenshot(themed, `robot-${colorScheme}-charts`);
      } finally {
        await context.close();
      }
    }
  });

  it('leaves the API and service endpoints to the API', async () => {
    const missing = await fetch(`${platform.stack.gatewayUrl}/api/v1/nothing-here`, {
      headers: { accept: 'text/html' },
    });
    expect([401, 404]).toContain(missing.status);
    expect(await missing.text()).not.toContain('<ae-root>');
    expect((await fetch(`${platform.stack.gatewayUrl}/health`)).status).toBe(200);
  });
  it('flags the jobs a backlog would finish after their deadline, records the miss, and shows both on Work queues', async () => {
    const { id: workflowId } = JSON.parse(readFileSync(DEMO_WORKFLOW_FILE, 'utf8')) as { id: string };
    // One robot, one slot: the fourth of four demo jobs finishes after three others have run, so
    // its forecast (three measured durations ahead of it) and its real finish both pass 3 s.
    const deadline = new Date(Date.now() + 3_000).toISOString();
    const jobIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { status, body } = await platform.api<{ jobId: string }>(
        'POST',
        `/api/v1/workflows/${workflowId}/trigger`,
        { variables: demoVariables(platform.site.url), deadline },
      );
      expect(status).toBe(202);
      jobIds.push(body.jobId);
    }
    const last = jobIds[3] as string;
    const types = async () => (await platform.events(last)).map((event) => event.type);
    await eventually(async () => ((await types()).includes('JobDeadlineMissed') ? true : undefined), {
      what: 'the last job past its deadline',
      timeoutMs: 60_000,
    });
    const order = await types();
    expect(order.indexOf('JobAtRisk')).toBeGreaterThan(-1);
    expect(order.indexOf('JobAtRisk')).toBeLessThan(order.indexOf('JobDeadlineMissed'));
    const [atRisk] = (await platform.events(last)).filter((event) => event.type === 'JobAtRisk');
    expect(Date.parse(String(atRisk?.data['predictedFinish']))).toBeGreaterThan(Date.parse(deadline));

    const flagged = await eventually(
      async () => {
        const figures = QueueMetricsSchema.parse((await platform.api('GET', '/api/v1/metrics/queues')).body);
        return figures.jobs.flagged.find((job) => job.jobId === last)?.missedAt ? figures : undefined;
      },
      { what: 'the miss in the read model', timeoutMs: 30_000 },
    );
    expect(flagged.jobs.deadlineMissed).toBeGreaterThanOrEqual(1);
    expect(flagged.jobs.flagged.find((job) => job.jobId === last)).toMatchObject({
      deadline,
      consequence: 'keep',
      atRiskAt: expect.any(String),
    });

    await page.goto(`${platform.stack.gatewayUrl}/fleet`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queues' }).click();
    await page.getByRole('heading', { name: 'Work queues', level: 1 }).waitFor();
    const row = page.getByRole('region', { name: 'Job deadlines' }).getByRole('row', { name: `Job ${last}` });
    await row.getByText('(keep)').waitFor();
    await screenshot(page, 'queues-job-deadlines');
    expect(await seriousA11yViolations(page)).toEqual([]);
    // "keep" records the miss and lets them run: none is failed for it.
    for (const jobId of jobIds)
      expect((await platform.api('GET', `/api/v1/jobs/${jobId}`)).body['status']).not.toBe('failed');
  });

  it("counts a work queue's items per status and lists the ones past their deadline", async () => {
    const defined = await platform.api('PUT', '/api/v1/queues/orders', { slaMs: 3_600_000, maxRetries: 2 });
    expect(defined.status).toBe(200);
    const add = (reference: string, deadline?: string) =>
      platform.api('POST', '/api/v1/queues/orders/items', {
        reference,
        payload: { customer: 'ACME' },
        ...(deadline ? { deadline } : {}),
      });
    expect((await add('ORD-1')).status).toBe(201);
    expect((await add('ORD-2', new Date(Date.now() - 1_000).toISOString())).status).toBe(201);
    expect((await add('ORD-2')).status).toBe(409);
    const orders = await eventually(
      async () => {
        const figures = QueueMetricsSchema.parse((await platform.api('GET', '/api/v1/metrics/queues')).body);
        const queue = figures.queues.find((q) => q.queue === 'orders');
        return queue?.deadlineMissed === 1 ? queue : undefined;
      },
      { what: "the queue keeper's miss in the read model", timeoutMs: 30_000 },
    );
    expect(orders).toMatchObject({ slaMs: 3_600_000, maxRetries: 2, items: { new: 2 }, sla: { ended: 0 } });
    expect((await platform.api('GET', '/api/v1/metrics/queues/nowhere/items')).status).toBe(404);

    await page.goto(`${platform.stack.gatewayUrl}/queues`);
    const queue = page.getByRole('row', { name: 'Queue orders' });
    await queue.waitFor();
    await queue.getByRole('button', { name: 'orders' }).click();
    const items = page.getByRole('region', { name: 'Items of orders' });
    await items.getByRole('row', { name: 'Item ORD-1' }).waitFor();
    await items.getByLabel('Show').selectOption({ label: 'Deadline missed' });
    await items.getByRole('row', { name: 'Item ORD-2' }).getByText('missed').waitFor();
    await items.getByRole('row', { name: 'Item ORD-1' }).waitFor({ state: 'detached' });
    await screenshot(page, 'queues');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  it('works the demo-orders queue with the example workflow: orders entered on the demo site, a bad one refused', async () => {
    const { job: worker, items } = await runQueueDemo(platform.stack.gatewayUrl, platform.site.url);
    expect({ status: worker.status, error: worker.error }).toEqual({ status: 'completed', error: null });
    expect(items.map((item) => item.status)).toEqual(['successful', 'successful', 'failed']);
    for (const item of items.slice(0, 2)) expect(String(item.output?.['confirmationNumber'])).toMatch(/^AE-/);
    expect(items[2]?.error).toEqual({ exception: 'business', message: expect.stringContaining('quantity') });
    const entered = (await (await fetch(`${platform.site.url}/api/orders`)).json()) as { customer: string }[];
    expect(entered.map((order) => order.customer)).toEqual(
      expect.arrayContaining(['Ada Lovelace', 'Grace Hopper']),
    );
    expect(entered.map((order) => order.customer)).not.toContain('Alan Turing');
  });

  it('lists a subscription with how far delivery has come and the deliveries it parked', async () => {
    const down: Server = createServer((_request, response) => response.writeHead(503).end());
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(down.address() as AddressInfo).port}/hooks/aether`;
      const created = await platform.api<{ subscriptionId: string }>('POST', '/api/v1/subscriptions', {
        url,
        eventTypes: ['JobCompleted'],
      });
      expect(created.status).toBe(201);
      const id = created.body.subscriptionId;
      // From the first event: the jobs this suite completed are delivered, fail twice, and park.
      expect(
        (await platform.api('POST', `/api/v1/subscriptions/${id}/redeliver`, { fromSequence: 1 })).status,
      ).toBe(200);
      const deliveries = await eventually(
        async () => {
          const read = SubscriptionDeliveriesSchema.parse(
            (await platform.api('GET', `/api/v1/subscriptions/${id}/deliveries`)).body,
          );
          return read.parked.length >= 2 && read.progress?.waiting === 0 && read.progress.inFlight === 0
            ? read
            : undefined;
        },
        { what: 'the completed jobs parked', timeoutMs: 60_000 },
      );
      const [first] = deliveries.parked;
      expect(first?.lastError).toMatch(/503/);

      await page.goto(`${platform.stack.gatewayUrl}/subscriptions`);
      await page.getByRole('heading', { name: 'Subscriptions', level: 1 }).waitFor();
      await page
        .getByRole('row', { name: `Subscription ${id}` })
        .getByRole('button', { name: url })
        .click();
      await page.getByRole('heading', { name: `Parked (${deliveries.parked.length})` }).waitFor();
      await page
        .getByRole('row', { name: `Parked delivery ${first?.sequence}` })
        .getByText(/503/)
        .waitFor();
      await page.getByText(/Delivered through event #\d+ · \d+ waiting/).waitFor();
      await screenshot(page, 'subscriptions');
      expect(await seriousA11yViolations(page)).toEqual([]);
    } finally {
      await new Promise((resolve) => down.close(resolve));
    }
  });
});
