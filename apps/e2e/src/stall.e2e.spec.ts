import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { eventually } from '@aether/testing';
import { startTestPlatform, type JobEventView, type TestPlatform } from '@aether/platform';

/** The step limit the workflows set: short, so the test is quick, yet far above a step's normal run. */
const LIMIT_MS = 3_000;
/** Detection must land within the limit plus this (issue 26). */
const SLACK_MS = 5_000;
/**
 * A browser call keeps this much of the step's time back (250 ms–1 s), so a goto that never loads
 * gives up on the step's time, and stalls, up to this much before the limit (ADR 82).
 */
const MARGIN_MS = 1_000;

/** A display of our own for the robot's desktop steps; stopped by its pid in `afterAll`. */
async function startXvfb(): Promise<{ display: string; child: ChildProcess }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const display = `:${500 + Math.floor(Math.random() * 400)}`;
    if (existsSync(`/tmp/.X11-unix/X${display.slice(1)}`) || existsSync(`/tmp/.X${display.slice(1)}-lock`))
      continue;
    const child = spawn('/usr/bin/Xvfb', [display, '-screen', '0', '640x480x24', '-nolisten', 'tcp'], {
      stdio: 'ignore',
    });
    for (let waited = 0; waited < 10_000 && child.exitCode === null; waited += 50) {
      if (existsSync(`/tmp/.X11-unix/X${display.slice(1)}`)) return { display, child };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
  }
  throw new Error('no free X display');
}

/** A noise image: nothing on a blank screen ever matches it. */
function noisePng(): Buffer {
  const png = new PNG({ width: 48, height: 48 });
  for (let i = 0; i < png.data.length; i += 4) {
    png.data[i] = (i * 7919) % 251;
    png.data[i + 1] = (i * 104_729) % 241;
    png.data[i + 2] = (i * 31) % 233;
    png.data[i + 3] = 255;
  }
  return PNG.sync.write(png);
}

/**
 * Stall detection by step progress (ADR 61) on a real robot, a real nats-server, real Chromium
 * and a real X display: a page that never loads and a desktop wait that never matches, while the
 * robot heartbeats.
 */
describe('a step that stops making progress is declared stalled and handled by its idempotency', () => {
  let platform: TestPlatform;
  let hanging: Server;
  let hangingUrl: string;
  const held: { end(): void }[] = [];
  let xvfb: ChildProcess | undefined;
  const files = mkdtempSync(join(tmpdir(), 'aether-stall-files-'));

  beforeAll(async () => {
    // Accepts every request and never answers it: a page that never loads.
    hanging = createServer((_request, response) => held.push(response));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/never`;
    writeFileSync(join(files, 'never.png'), noisePng());
    const x = await startXvfb();
    xvfb = x.child;
    platform = await startTestPlatform({
      name: 'stall',
      robotEnv: { ROBOT_DESKTOP: 'true', DISPLAY: x.display, FILES_ROOT: files },
    });
    const workflows = [
      {
        id: 'page-never-loads',
        inputs: { url: { type: 'string', required: true } },
        nodes: [
          { id: 'again', type: 'retry', params: { attempts: 2, backoffMs: 100 }, body: 'open' },
          { id: 'open', type: 'browser.goto', timeoutMs: LIMIT_MS, params: { url: '{{ inputs.url }}' } },
        ],
      },
      {
        // The wait's own timeout is an hour; the step's limit is what stops it.
        id: 'desktop-wait-never-matches',
        nodes: [
          {
            id: 'wait',
            type: 'desktop.waitForImage',
            timeoutMs: LIMIT_MS,
            idempotent: false,
            params: { image: 'never.png', timeoutMs: 3_600_000 },
          },
        ],
      },
    ];
    for (const workflow of workflows)
      expect((await platform.api('POST', '/api/v1/workflows', workflow)).status).toBe(201);
  });

  afterAll(async () => {
    for (const response of held) response.end();
    hanging?.close();
    await platform?.stop();
    xvfb?.kill('SIGTERM');
    rmSync(files, { recursive: true, force: true });
  });

  const trigger = async (workflowId: string, variables: Record<string, unknown>) => {
    const { status, body } = await platform.api<{ jobId: string }>(
      'POST',
      `/api/v1/workflows/${workflowId}/trigger`,
      { variables },
    );
    expect(status).toBe(202);
    return body.jobId;
  };
  const until = (jobId: string, done: (history: JobEventView[]) => boolean, what: string) =>
    eventually(
      async () => {
        const history = await platform.events(jobId);
        return done(history) ? history : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what },
    );
  const detectionMs = (history: JobEventView[], stalled: JobEventView) => {
    const started = history.filter(
      (e) =>
        e.type === 'StepStarted' &&
        e.sequence < stalled.sequence &&
        e.data['stepKey'] === stalled.data['stepKey'],
    );
    return Date.parse(stalled.occurredAt) - Date.parse(started.at(-1)?.occurredAt ?? '');
  };

  it('a page that never loads: stalled with a screenshot by its timeout + 5 s, the context torn down, the step retried', async () => {
    const jobId = await trigger('page-never-loads', { url: hangingUrl });
    const robotId = platform.stack.robots[0]?.name ?? '';

    // While the page hangs, the robot keeps heartbeating and reports the step it is in.
    const reported = await eventually(
      async () => {
        const { body } = await platform.api<{ currentJobs: { jobId: string; step?: { key: string } }[] }>(
          'GET',
          `/api/v1/robots/${robotId}`,
        );
        return body.currentJobs?.find((job) => job.jobId === jobId && job.step)?.step;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'a heartbeat reporting the running step' },
    );
    expect(reported.key).toMatch(/^open/);

    const history = await until(
      jobId,
      (h) => h.filter((e) => e.type === 'StepStalled').length === 2 && h.some((e) => e.type === 'JobFailed'),
      'both attempts of the step stalled and the job failed',
    );
    const stalls = history.filter((e) => e.type === 'StepStalled').slice(0, 2);
    for (const stalled of stalls) {
      expect(stalled.data).toMatchObject({
        nodeType: 'browser.goto',
        robotId,
        basis: 'timeout',
        limitMs: LIMIT_MS,
        detectedBy: 'robot',
        outcome: 'retry',
      });
      const took = detectionMs(history, stalled);
      expect(took).toBeGreaterThanOrEqual(LIMIT_MS - MARGIN_MS);
      expect(took).toBeLessThanOrEqual(LIMIT_MS + SLACK_MS);
      expect(stalled.data['elapsedMs']).toBeGreaterThanOrEqual(LIMIT_MS - MARGIN_MS);
      const artifacts = stalled.data['artifacts'] as { kind: string; ref: string }[];
      expect(artifacts.map((a) => a.kind)).toContain('screenshot');
    }
    // Each attempt keeps its own screenshot: the second stall replaced nothing of the first's.
    const screenshots = stalls.flatMap((stalled) =>
      (stalled.data['artifacts'] as { kind: string; ref: string }[]).filter((a) => a.kind === 'screenshot'),
    );
    expect(new Set(screenshots.map((a) => a.ref)).size).toBe(2);
    // Each stall failed its attempt retryably and the retry node ran the step again (attempt 2).
    const failedAt = history.find((e) => e.type === 'JobFailed')?.sequence ?? 0;
    const firstAttempt = history.filter((e) => e.sequence <= failedAt);
    expect(
      firstAttempt
        .filter((e) => e.type === 'StepFailed')
        .map((e) => (e.data['error'] as { code: string }).code),
    ).toEqual(['StepStalled', 'StepStalled']);
    expect(firstAttempt.filter((e) => e.type === 'StepStarted').map((e) => e.data['attempt'])).toEqual([
      1, 2,
    ]);
    // The screenshot is the job's artifact, served by the gateway.
    const ref = (stalls[0]?.data['artifacts'] as { kind: string; ref: string }[]).find(
      (a) => a.kind === 'screenshot',
    )?.ref;
    const shot = await fetch(
      `${platform.stack.gatewayUrl}/api/v1/jobs/${jobId}/artifact?ref=${encodeURIComponent(ref ?? '')}`,
      { headers: { authorization: `Bearer ${platform.stack.adminToken}` } },
    );
    expect(shot.status).toBe(200);
    const png = Buffer.from(await shot.arrayBuffer());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    writeFileSync(join(tmpdir(), `aether-stall-${jobId}.png`), png); // for a person to look at
  }, 120_000);

  it('a desktop wait that never matches, on a step that is not idempotent: stalled with a screenshot and the job parked', async () => {
    const jobId = await trigger('desktop-wait-never-matches', {});
    const history = await until(
      jobId,
      (h) => h.some((e) => e.type === 'JobNeedsAttention'),
      'the job parked',
    );
    const stalled = history.find((e) => e.type === 'StepStalled');
    expect(stalled?.data).toMatchObject({
      stepKey: 'wait',
      nodeType: 'desktop.waitForImage',
      basis: 'timeout',
      outcome: 'park',
      artifacts: [{ kind: 'screenshot', ref: expect.any(String) }],
    });
    const took = detectionMs(history, stalled as JobEventView);
    expect(took).toBeGreaterThanOrEqual(LIMIT_MS);
    expect(took).toBeLessThanOrEqual(LIMIT_MS + SLACK_MS);
    expect(history.find((e) => e.type === 'JobNeedsAttention')?.data).toMatchObject({
      stepKey: 'wait',
      reason: expect.stringContaining('stalled'),
    });
    const job = await platform.api<{ status: string }>('GET', `/api/v1/jobs/${jobId}`);
    await eventually(
      async () =>
        (await platform.api<{ status: string }>('GET', `/api/v1/jobs/${jobId}`)).body.status ===
        'needs_attention'
          ? true
          : undefined,
      { timeoutMs: 15_000, intervalMs: 200, what: 'the projection showing the job parked' },
    );
    expect(job.status).toBe(200);
  }, 120_000);
});
