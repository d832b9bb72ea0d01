import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `job_hourly.durations` (128 counts, nearly all zero) becomes `duration_counts`, the non-zero
 * buckets only: `{"<bucket>": count}`. Thirty days of ten workflows were 7,200 arrays of 128
 * numbers for the Analytics page to read and parse, over half a second a request; as JSON
 * objects of a few keys they are read in milliseconds. The trigger now also counts an end and
 * its duration in one UPDATE instead of two.
 */
export class SparseDurationHistograms1765047000000 implements MigrationInterface {
  name = 'SparseDurationHistograms1765047000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE jobs, job_hourly IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`ALTER TABLE job_hourly ADD COLUMN duration_counts jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`
      UPDATE job_hourly SET duration_counts = (
        SELECT coalesce(jsonb_object_agg(i - 1, n), '{}') FROM unnest(durations) WITH ORDINALITY AS u(n, i) WHERE n > 0)`);
    await q.query(`ALTER TABLE job_hourly DROP COLUMN durations`);
    await q.query(`
      CREATE OR REPLACE FUNCTION job_hourly_track() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        h timestamptz;
        bucket text;
      BEGIN
        IF NEW.status NOT IN ('completed', 'failed', 'cancelled', 'rejected') OR NEW.finished_at IS NULL THEN
          RETURN NULL;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status THEN
          RETURN NULL;
        END IF;
        h := utc_hour(NEW.finished_at);
        IF NEW.status IN ('completed', 'failed') AND NEW.started_at IS NOT NULL THEN
          bucket := least(127, greatest(0, floor(4 * log(2::numeric,
            greatest(1, extract(epoch FROM NEW.finished_at - NEW.started_at) * 1000)::numeric))::int))::text;
        END IF;
        INSERT INTO job_hourly (tenant_id, hour, workflow_id) VALUES (NEW.tenant_id, h, NEW.workflow_id)
        ON CONFLICT DO NOTHING;
        UPDATE job_hourly SET
          completed = completed + (NEW.status = 'completed')::int,
          failed = failed + (NEW.status = 'failed')::int,
          cancelled = cancelled + (NEW.status = 'cancelled')::int,
          rejected = rejected + (NEW.status = 'rejected')::int,
          duration_counts = CASE WHEN bucket IS NULL THEN duration_counts ELSE
            jsonb_set(duration_counts, ARRAY[bucket], to_jsonb(coalesce((duration_counts ->> bucket)::bigint, 0) + 1)) END
        WHERE tenant_id = NEW.tenant_id AND hour = h AND workflow_id = NEW.workflow_id;
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE jobs, job_hourly IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(
      `ALTER TABLE job_hourly ADD COLUMN durations bigint[] NOT NULL DEFAULT array_fill(0::bigint, ARRAY[128])`,
    );
    await q.query(`
      UPDATE job_hourly SET durations = (
        SELECT array_agg(coalesce((duration_counts ->> b::text)::bigint, 0) ORDER BY b) FROM generate_series(0, 127) AS b)`);
    await q.query(`ALTER TABLE job_hourly DROP COLUMN duration_counts`);
    await q.query(`
      CREATE OR REPLACE FUNCTION job_hourly_track() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        h timestamptz;
        bucket int;
      BEGIN
        IF NEW.status NOT IN ('completed', 'failed', 'cancelled', 'rejected') OR NEW.finished_at IS NULL THEN
          RETURN NULL;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status THEN
          RETURN NULL;
        END IF;
        h := utc_hour(NEW.finished_at);
        INSERT INTO job_hourly (tenant_id, hour, workflow_id) VALUES (NEW.tenant_id, h, NEW.workflow_id)
        ON CONFLICT DO NOTHING;
        UPDATE job_hourly SET
          completed = completed + (NEW.status = 'completed')::int,
          failed = failed + (NEW.status = 'failed')::int,
          cancelled = cancelled + (NEW.status = 'cancelled')::int,
          rejected = rejected + (NEW.status = 'rejected')::int
        WHERE tenant_id = NEW.tenant_id AND hour = h AND workflow_id = NEW.workflow_id;
        IF NEW.status IN ('completed', 'failed') AND NEW.started_at IS NOT NULL THEN
          bucket := least(127, greatest(0, floor(4 * log(2::numeric,
            greatest(1, extract(epoch FROM NEW.finished_at - NEW.started_at) * 1000)::numeric))::int));
          UPDATE job_hourly SET durations[bucket + 1] = durations[bucket + 1] + 1
          WHERE tenant_id = NEW.tenant_id AND hour = h AND workflow_id = NEW.workflow_id;
        END IF;
        RETURN NULL;
      END $$`);
  }
}
