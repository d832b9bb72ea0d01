import { join } from 'node:path';
import { Client } from 'pg';
import { eventually } from '@aether/testing';
import {
  DEMO_PASSWORD,
  runDemoJob,
  type JobResult,
  startTestPlatform,
  type TestPlatform,
  startServiceProcess,
} from '@aether/platform';

/**
 * The foundation's vertical slice, every layer real: HTTP trigger → command → JobRequested
 * → dispatcher → WORK → a robot process running headless Chromium against the demo site →
 * job events → PostgreSQL projection → GET /api/v1/jobs/{id}.
 */
describe('vertical slice: a demo order job end to end', () => {
  let platform: TestPlatform;
  let job: JobResult;

  beforeAll(async () => {
    platform = await startTestPlatform({
      name: 'e2e',
      robotEnv: { AETHER_SECRET_DEMO_PASSWORD: DEMO_PASSWORD },
    });
    job = await runDemoJob(platform.stack.gatewayUrl, platform.site.url, 90_000);
  });

  afterAll(() => platform?.stop());

  const api = (path: string, method = 'GET', body?: unknown) => platform.api(method, path, body);

  it('completes the job and returns the confirmation number the demo site issued', () => {
    expect(job).toMatchObject({ status: 'completed', robotId: 'robot-1' });
    const orders = platform.site.orders();
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({
      customer: 'Ada Lovelace',
      product: 'gizmo',
      quantity: 3,
      shipping: 'express',
      giftWrap: true,
    });
    expect(job.outputs).toEqual({ confirmationNumber: orders[0].confirmationNumber });
    expect(orders[0].confirmationNumber).toMatch(/^AE-[A-Z0-9]{8}$/);
  });

  it('shows every step on the job view, completed, with durations, in order', async () => {
    const { status, body } = await api(`/api/v1/jobs/${job.jobId}`);
    expect(status).toBe(200);
    const steps = body['steps'] as {
      nodeId: string;
      status: string;
      durationMs: number;
      startedAt: string;
    }[];
    expect(steps.length).toBeGreaterThanOrEqual(10);
    expect(steps.every((s) => s.status === 'completed' && s.durationMs >= 0)).toBe(true);
    expect(steps.map((s) => s.startedAt)).toEqual([...steps.map((s) => s.startedAt)].sort());
    expect(steps.at(-1)?.nodeId).toMatch(/confirmation/i);
    expect(body).toMatchObject({
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      requestedAt: expect.any(String),
      dispatchedAt: expect.any(String),
    });
    expect(Date.parse(body['dispatchedAt'] as string)).toBeLessThanOrEqual(
      Date.parse(body['startedAt'] as string),
    );
  });

  it('records the history as events on the job subject, secrets excluded', async () => {
    const { body } = await api(`/api/v1/jobs/${job.jobId}/events`);
    const types = (body['events'] as { type: string }[]).map((e) => e.type);
    // A first placement is no event of its own (ADR 26): the claim follows the request.
    expect(types.slice(0, 3)).toEqual(['JobRequested', 'JobStarted', 'StepStarted']);
    expect(types.at(-1)).toBe('JobCompleted');
    expect(types.filter((t) => t === 'StepStarted').length).toBe(
      types.filter((t) => t === 'StepCompleted').length,
    );
    expect(JSON.stringify(body)).not.toContain(DEMO_PASSWORD);
  });

  it('answers bad trigger input with every problem and unknown workflows with 404', async () => {
    const bad = await api('/api/v1/workflows/demo-order-entry/trigger', 'POST', {
      variables: 'nope',
      priority: 99,
    });
    expect(bad.status).toBe(400);
    expect((bad.body['problems'] as { path: string }[]).map((p) => p.path).sort()).toEqual([
      'body.priority',
      'body.variables',
    ]);
    const missing = await api('/api/v1/workflows/no-such-workflow/trigger', 'POST', {});
    expect(missing.status).toBe(404);
    expect((await api('/api/v1/jobs/does-not-exist')).status).toBe(404);
  });

  it('keeps the projection identical across a projector restart and equal to a rebuild from sequence 1', async () => {
    const client = new Client({ connectionString: platform.db.url });
    await client.connect();
    const snapshot = async () => ({
      jobs: (await client.query('SELECT * FROM jobs ORDER BY job_id')).rows,
      steps: (await client.query('SELECT * FROM job_steps ORDER BY job_id, step_key')).rows,
      workflows: (await client.query('SELECT * FROM workflows ORDER BY workflow_id, version')).rows,
    });
    try {
      const metrics = platform.stack.services.find((s) => s.service === 'metrics');
      const live = await snapshot();
      expect(live.jobs).toEqual([expect.objectContaining({ job_id: job.jobId, status: 'completed' })]);

      await metrics?.stop();
      // Under NATS accounts (E2E_NATS_AUTH=1) it connects as the projector does.
      const asProjector: Record<string, string> = platform.natsCreds
        ? { NATS_CREDS_FILE: join(platform.logDir, 'nats', 'metrics.creds') }
        : {};
      const restarted = await startServiceProcess('metrics', {
        natsUrl: platform.nats.url,
        databaseUrl: platform.db.url,
        logDir: platform.logDir,
        name: 'metrics-2',
        env: asProjector,
      });
      expect(await snapshot()).toEqual(live);
      await restarted.stop();

      await truncateReadModel(client);
      const rebuilt = await startServiceProcess('metrics', {
        natsUrl: platform.nats.url,
        databaseUrl: platform.db.url,
        logDir: platform.logDir,
        name: 'metrics-3',
        env: asProjector,
      });
      const after = await eventually(async () => {
        const current = await snapshot();
        return current.jobs[0]?.['status'] === 'completed' ? current : undefined;
      });
      await rebuilt.stop();
      expect(after).toEqual(live);
    } finally {
      await client.end();
    }
  });
});

/** Empties every read-model table (all but TypeORM's migration log) so metrics rebuilds from sequence 1. */
async function truncateReadModel(client: Client): Promise<void> {
  const { rows } = await client.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations'`,
  );
  await client.query(`TRUNCATE ${rows.map((row: { tablename: string }) => `"${row.tablename}"`).join(', ')}`);
}
