import { Client } from 'pg';
import { createTestDatabase, eventually, type TestDatabase } from '@aether/testing';
import { startTestPlatform, type JobEventView, type TestPlatform } from '@aether/platform';

/** Long enough that the robot is surely inside the statement when it is killed. */
const STATEMENT_MS = 4_000;

/**
 * A transfer the ERP must book exactly once: the INSERT waits `STATEMENT_MS` inside PostgreSQL
 * (a slow trigger, a lock), so a robot killed while the step runs dies with the statement
 * uncommitted. With an idempotencyKey the step is retried and lands once (the ledger in the
 * statement's transaction, ADR 44); without one the job waits for an operator.
 */
const transfer = (id: string, keyed: boolean) => ({
  id,
  inputs: { ref: { type: 'string', required: true } },
  nodes: [
    {
      id: 'book',
      type: 'db.execute',
      ...(keyed ? { idempotencyKey: '{{ inputs.ref }}' } : {}),
      params: {
        connection: '{{ secrets.erpDatabase }}',
        sql: `INSERT INTO transfers (ref, amount) SELECT :ref, 125.50 FROM (SELECT pg_sleep(${STATEMENT_MS / 1000})) AS slow`,
        params: { ref: '{{ inputs.ref }}' },
      },
    },
  ],
});

describe('db.execute: a real robot SIGKILLed inside the statement', () => {
  let platform: TestPlatform;
  let erp: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    erp = await createTestDatabase('aether_e2e_erp');
    client = new Client({ connectionString: erp.url });
    await client.connect();
    await client.query('CREATE TABLE transfers (ref text NOT NULL, amount numeric(12,2) NOT NULL)');
    platform = await startTestPlatform({ name: 'db-kill', robots: 1, secrets: { erpDatabase: erp.url } });
    for (const keyed of [true, false]) {
      const workflow = transfer(keyed ? 'book-transfer-keyed' : 'book-transfer', keyed);
      expect((await platform.api('POST', '/api/v1/workflows', workflow)).status).toBe(201);
    }
  });

  afterAll(async () => {
    await platform?.stop();
    await client?.end();
    await erp?.drop();
  });

  const waitFor = (jobId: string, found: (h: JobEventView[]) => boolean, what: string) =>
    eventually(
      async () => {
        const history = await platform.events(jobId);
        return found(history) ? history : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 50, what },
    );

  /** Triggers the workflow, waits until the statement runs in PostgreSQL, SIGKILLs its robot. */
  async function killInside(workflowId: string, ref: string, standby: string): Promise<string> {
    await platform.stack.addRobot(standby);
    const { status, body } = await platform.api<{ jobId: string }>(
      'POST',
      `/api/v1/workflows/${workflowId}/trigger`,
      { variables: { ref } },
    );
    expect(status).toBe(202);
    const history = await waitFor(
      body.jobId,
      (h) => h.some((e) => e.type === 'StepStarted' && e.data['stepKey'] === 'book'),
      'the book step started',
    );
    const holder = history.find((e) => e.type === 'JobStarted')?.data['robotId'];
    const robot = platform.stack.robots.find((r) => r.name === holder);
    if (!robot) throw new Error(`robot ${String(holder)} is not one of the stack's`);
    // the statement is running in PostgreSQL: its backend sleeps inside the INSERT
    await eventually(
      async () => {
        const active = await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'INSERT INTO transfers%' AND state = 'active'",
        );
        return active.rows[0]!.n > 0 ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 20, what: 'the INSERT running' },
    );
    robot.child.kill('SIGKILL');
    return body.jobId;
  }

  const booked = async (ref: string) =>
    (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM transfers WHERE ref = $1', [ref]))
      .rows[0]!.n;

  it('with an idempotencyKey: another robot runs the step again and the transfer is booked once', async () => {
    const ref = `T-${Date.now()}`;
    const jobId = await killInside('book-transfer-keyed', ref, 'robot-standby-keyed');
    const history = await waitFor(
      jobId,
      (h) => h.some((e) => e.type === 'JobCompleted'),
      'the job completed',
    );
    const started = history.filter((e) => e.type === 'StepStarted' && e.data['stepKey'] === 'book');
    expect(started).toHaveLength(2);
    expect(new Set(started.map((e) => e.data['robotId'])).size).toBe(2);
    expect(await booked(ref)).toBe(1);
    const ledger = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM aether_step_ledger WHERE job_id = $1',
      [jobId],
    );
    expect(ledger.rows[0]!.n).toBe(1);
    // the killed robot's statement was never committed: the first result is the second run's own
    const completed = history.find((e) => e.type === 'StepCompleted' && e.data['stepKey'] === 'book');
    expect(JSON.stringify(completed?.data)).toContain('"alreadyApplied":false');
    expect(JSON.stringify(history)).not.toContain(erp.url);
  });

  it('without a key: the job waits for an operator and nothing is booked twice', async () => {
    const ref = `U-${Date.now()}`;
    const jobId = await killInside('book-transfer', ref, 'robot-standby-unkeyed');
    const history = await waitFor(
      jobId,
      (h) => h.some((e) => e.type === 'JobNeedsAttention'),
      'the job waiting for an operator',
    );
    expect(history.at(-1)).toMatchObject({ type: 'JobNeedsAttention', data: { stepKey: 'book' } });
    expect(history.filter((e) => e.type === 'StepStarted')).toHaveLength(1);
    expect(await booked(ref)).toBe(0);
  });
});
