import type { Client } from 'pg';

const SEEDED_WORKFLOWS = 10;
export const SEEDED_DAYS = 30;

/**
 * Fills the read model with `jobs` finished jobs of the default tenant spread evenly over the last
 * 30 days (ten workflows, four robots, one job in twenty failed, one in fifty cancelled), each with
 * two steps, through plain INSERTs: the rollup triggers keep `job_counts` and the hourly analytics
 * tables as the projector's own writes would.
 */
export async function seedReadModel(db: Client, jobs: number): Promise<void> {
  const spacingMs = (SEEDED_DAYS * 86_400_000) / jobs;
  await db.query(
    `INSERT INTO jobs (tenant_id, job_id, workflow_id, workflow_version, status, priority, robot_id, variables,
                       outputs, error, requested_at, dispatched_at, started_at, finished_at, updated_at, last_sequence)
     SELECT 'default', 'seed-' || lpad(i::text, 7, '0'), 'seed-wf-' || (i % $2), 1,
            CASE WHEN i % 20 = 0 THEN 'failed' WHEN i % 50 = 1 THEN 'cancelled' ELSE 'completed' END,
            (ARRAY[4, 10, 16])[1 + i % 3], 'robot-' || (1 + i % 4), '{}'::jsonb,
            CASE WHEN i % 20 = 0 THEN NULL ELSE '{"done": true}'::jsonb END,
            CASE WHEN i % 20 = 0 THEN '{"code": "TIMEOUT", "message": "seeded failure"}'::jsonb END,
            t, t + interval '40 ms', t + interval '50 ms', t + (50 + (i % 97) * 31) * interval '1 ms', t, 0
       FROM generate_series(1, $1) AS i,
            LATERAL (SELECT now() - i * $3::float8 * interval '1 ms' AS t) AS at`,
    [jobs, SEEDED_WORKFLOWS, spacingMs],
  );
  await db.query(
    `INSERT INTO job_steps (tenant_id, job_id, step_key, node_id, node_type, status, attempt, robot_id,
                            started_at, finished_at, duration_ms, output, error, artifacts, first_sequence)
     SELECT j.tenant_id, j.job_id, s.node_id || '#1', s.node_id, s.node_type,
            CASE WHEN s.node_id = 'submit' AND j.status = 'failed' THEN 'failed' ELSE 'completed' END,
            1 + (hashtext(j.job_id) & 7 = 0)::int, j.robot_id, j.started_at, j.finished_at,
            extract(epoch FROM j.finished_at - j.started_at) * 500, NULL,
            CASE WHEN s.node_id = 'submit' AND j.status = 'failed' THEN j.error END, NULL, 0
       FROM jobs j CROSS JOIN (VALUES ('open', 'browser.goto'), ('submit', 'browser.click')) AS s(node_id, node_type)
      WHERE j.job_id LIKE 'seed-%' AND j.status <> 'cancelled'`,
  );
  // As autovacuum would leave them: the seed updated each hourly row about fourteen times at once.
  for (const table of ['jobs', 'job_steps', 'job_hourly', 'job_daily', 'step_hourly'])
    await db.query(`VACUUM ANALYZE ${table}`);
}
