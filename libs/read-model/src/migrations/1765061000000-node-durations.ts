import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `node_hourly`: per tenant, hour, workflow and node id, the completed steps' durations as a sparse
 * histogram (`{"<bucket>": count}`, the buckets of `job_hourly`), kept by a trigger on `job_steps`
 * in the projecting transaction. The dispatcher reads each node's p99 from it for the k × p99 stall
 * limit (ADR 65). Only completed steps count: a stalled or failed attempt would raise its own limit.
 */
export class NodeDurations1765061000000 implements MigrationInterface {
  name = 'NodeDurations1765061000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE node_hourly (
        tenant_id text NOT NULL,
        hour timestamptz NOT NULL,
        workflow_id text NOT NULL,
        node_id text NOT NULL,
        steps bigint NOT NULL DEFAULT 0,
        duration_counts jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (tenant_id, hour, workflow_id, node_id)
      )`);
    await q.query(`
      CREATE FUNCTION node_hourly_track() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        h timestamptz;
        bucket text;
        workflow text;
      BEGIN
        SELECT workflow_id INTO workflow FROM jobs WHERE tenant_id = NEW.tenant_id AND job_id = NEW.job_id;
        IF workflow IS NULL THEN
          RETURN NULL;
        END IF;
        h := utc_hour(NEW.finished_at);
        bucket := least(127, greatest(0, floor(4 * log(2::numeric, greatest(1, NEW.duration_ms)::numeric))::int))::text;
        INSERT INTO node_hourly (tenant_id, hour, workflow_id, node_id, steps, duration_counts)
        VALUES (NEW.tenant_id, h, workflow, NEW.node_id, 1, jsonb_build_object(bucket, 1))
        ON CONFLICT (tenant_id, hour, workflow_id, node_id) DO UPDATE SET
          steps = node_hourly.steps + 1,
          duration_counts = jsonb_set(node_hourly.duration_counts, ARRAY[bucket],
            to_jsonb(coalesce((node_hourly.duration_counts ->> bucket)::bigint, 0) + 1));
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER job_steps_timed AFTER UPDATE OF status ON job_steps
      FOR EACH ROW WHEN (NEW.status = 'completed' AND OLD.status IS DISTINCT FROM NEW.status
                         AND NEW.duration_ms IS NOT NULL AND NEW.finished_at IS NOT NULL)
      EXECUTE FUNCTION node_hourly_track()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER job_steps_timed ON job_steps`);
    await q.query(`DROP FUNCTION node_hourly_track()`);
    await q.query(`DROP TABLE node_hourly`);
  }
}
