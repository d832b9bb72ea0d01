import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Client } from 'pg';
import { RequestJob, newId, subjects } from '@aether/contracts';
import { sleep, withLimit } from './measure';

/** A workflow whose only node plans no robot step: the job is claimed, started and completed. */
export const noopWorkflow = (id: string) => ({
  id,
  nodes: [
    { id: 'never', type: 'if', params: { condition: 'false' }, branches: { then: 'unreachable' } },
    { id: 'unreachable', type: 'stopWithError', params: { message: 'unreachable' } },
  ],
});

const encoder = new TextEncoder();

/** Records when each job's completion is committed to the read model (a trigger in the bench's own database). */
export async function installLagProbe(db: Client): Promise<void> {
  await db.query(`
    CREATE TABLE IF NOT EXISTS bench_projected (tenant_id text, job_id text, workflow_id text, committed_at timestamptz, PRIMARY KEY (tenant_id, job_id));
    CREATE INDEX IF NOT EXISTS bench_projected_by_workflow ON bench_projected (workflow_id);
    CREATE OR REPLACE FUNCTION bench_projected() RETURNS trigger AS $$
    BEGIN
      INSERT INTO bench_projected VALUES (NEW.tenant_id, NEW.job_id, NEW.workflow_id, clock_timestamp()) ON CONFLICT DO NOTHING;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    DROP TRIGGER IF EXISTS bench_projected ON jobs;
    CREATE TRIGGER bench_projected AFTER UPDATE ON jobs FOR EACH ROW
      WHEN (NEW.status = 'completed' AND OLD.status IS DISTINCT FROM 'completed') EXECUTE FUNCTION bench_projected();
    -- A job whose whole life fits in one projector batch is inserted already completed.
    DROP TRIGGER IF EXISTS bench_projected_on_insert ON jobs;
    CREATE TRIGGER bench_projected_on_insert AFTER INSERT ON jobs FOR EACH ROW
      WHEN (NEW.status = 'completed') EXECUTE FUNCTION bench_projected();`);
}

export interface AetherResult {
  jobsPerS: number;
  lagMs: number[];
}

/**
 * End to end: `jobs` RequestJob commands published as fast as JetStream takes them →
 * scheduler (JobRequested) → dispatcher (placed on a robot) → robot (claimed, JobStarted,
 * JobCompleted) → projector (row completed in PostgreSQL). The clock stops when the last
 * job's completion commits in PostgreSQL (the probe's timestamp, so how often this polls for
 * the end neither shifts the figure nor loads the machine it measures).
 */
export async function measureAether(
  natsUrl: string,
  db: Client,
  workflowId: string,
  jobs: number,
): Promise<AetherResult> {
  const nc: NatsConnection = await connect({ servers: natsUrl, name: 'bench-trigger' });
  try {
    const js: JetStreamClient = jetstream(nc);
    const startedAt = Date.now();
    await withLimit(jobs, 256, async () => {
      const command = RequestJob.create({
        tenantId: 'default',
        aggregateId: newId(),
        data: { workflowId, variables: {}, priority: 10, trigger: { kind: 'api' } },
      });
      await js.publish(
        subjects.command('default', RequestJob.type),
        encoder.encode(JSON.stringify(command)),
        {
          msgID: command.id,
        },
      );
    });
    const seconds = ((await lastProjectedAt(db, workflowId, jobs)) - startedAt) / 1000;
    const stages = await db.query<{
      requested: number;
      dispatched: number;
      started: number;
      finished: number;
    }>(
      `SELECT extract(epoch FROM max(requested_at)) * 1000 AS requested, extract(epoch FROM max(dispatched_at)) * 1000 AS dispatched,
              extract(epoch FROM max(started_at)) * 1000 AS started, extract(epoch FROM max(finished_at)) * 1000 AS finished
         FROM jobs WHERE workflow_id = $1`,
      [workflowId],
    );
    const stage = stages.rows[0];
    const rate = (at: number) => Math.round(jobs / ((Number(at) - startedAt) / 1000));
    process.stderr.write(
      `  ${workflowId}: last requested at ${rate(stage.requested)}/s, dispatched ${rate(stage.dispatched)}/s, started ${rate(stage.started)}/s, finished ${rate(stage.finished)}/s, projected ${Math.round(jobs / seconds)}/s\n`,
    );
    const { rows } = await db.query<{ lag: number }>(
      `SELECT extract(epoch FROM (p.committed_at - j.finished_at)) * 1000 AS lag
         FROM bench_projected p JOIN jobs j USING (tenant_id, job_id) WHERE j.workflow_id = $1`,
      [workflowId],
    );
    return { jobsPerS: jobs / seconds, lagMs: rows.map((row) => Number(row.lag)) };
  } finally {
    await nc.close();
  }
}

/** Waits until `jobs` jobs of the workflow are projected completed; returns when the last one committed (epoch ms). */
async function lastProjectedAt(db: Client, workflowId: string, jobs: number): Promise<number> {
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const { rows } = await db.query<{ n: string; end: number | null }>(
      `SELECT count(*) AS n, extract(epoch FROM max(committed_at)) * 1000 AS end FROM bench_projected WHERE workflow_id = $1`,
      [workflowId],
    );
    const done = Number(rows[0].n);
    if (done >= jobs) return Number(rows[0].end);
    if (done !== last) [last, lastChange] = [done, performance.now()];
    if (performance.now() - lastChange > 60_000) throw new Error(`stuck at ${done}/${jobs} completed jobs`);
    await sleep(100);
  }
}
