import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Counts the job end into one rollup row: `at` is the row's hour or day, `bucket` its duration's. */
const countEnd = (table: string, column: string, at: string) => `
    INSERT INTO ${table} (tenant_id, ${column}, workflow_id) VALUES (NEW.tenant_id, ${at}, NEW.workflow_id)
    ON CONFLICT DO NOTHING;
    UPDATE ${table} SET
      completed = completed + (NEW.status = 'completed')::int,
      failed = failed + (NEW.status = 'failed')::int,
      cancelled = cancelled + (NEW.status = 'cancelled')::int,
      rejected = rejected + (NEW.status = 'rejected')::int,
      duration_counts = CASE WHEN bucket IS NULL THEN duration_counts ELSE
        jsonb_set(duration_counts, ARRAY[bucket], to_jsonb(coalesce((duration_counts ->> bucket)::bigint, 0) + 1)) END
    WHERE tenant_id = NEW.tenant_id AND ${column} = ${at} AND workflow_id = NEW.workflow_id;`;

/** The rollup trigger's function, counting each job end into `rollups`. */
const trackJobEnds = (rollups: string) => `
  CREATE OR REPLACE FUNCTION job_hourly_track() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    bucket text;
  BEGIN
    IF NEW.status NOT IN ('completed', 'failed', 'cancelled', 'rejected') OR NEW.finished_at IS NULL THEN
      RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status THEN
      RETURN NULL;
    END IF;
    IF NEW.status IN ('completed', 'failed') AND NEW.started_at IS NOT NULL THEN
      bucket := least(127, greatest(0, floor(4 * log(2::numeric,
        greatest(1, extract(epoch FROM NEW.finished_at - NEW.started_at) * 1000)::numeric))::int))::text;
    END IF;
    ${rollups}
    RETURN NULL;
  END $$`;

const hourly = countEnd('job_hourly', 'hour', 'utc_hour(NEW.finished_at)');
/** Into `job_hourly` and `job_daily` (HourlyDurationQuantiles' `down` puts it back). */
export const trackBoth = trackJobEnds(hourly + countEnd('job_daily', 'day', 'utc_day(NEW.finished_at)'));
/** Into `job_hourly` only, as SparseDurationHistograms left it. */
const trackHourly = trackJobEnds(hourly);

/**
 * `job_daily`: `job_hourly` summed per UTC day, kept by the same trigger. Thirty days by day read
 * 7,200 hourly rows (ten workflows) to fold them into 300; the Analytics page now reads whole days
 * from here and only the partial days at the range's ends from `job_hourly` (ADR 31's rollups,
 * issue 21's analytics p99).
 */
export class DailyJobRollup1765050000000 implements MigrationInterface {
  name = 'DailyJobRollup1765050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION utc_day(at timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
        SELECT date_trunc('day', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
      $$`);
    await q.query(`
      CREATE TABLE job_daily (
        tenant_id text NOT NULL,
        day timestamptz NOT NULL,
        workflow_id text NOT NULL,
        completed bigint NOT NULL DEFAULT 0,
        failed bigint NOT NULL DEFAULT 0,
        cancelled bigint NOT NULL DEFAULT 0,
        rejected bigint NOT NULL DEFAULT 0,
        duration_counts jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (tenant_id, day, workflow_id)
      )`);
    await q.query(`LOCK TABLE jobs, job_hourly IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`
      INSERT INTO job_daily (tenant_id, day, workflow_id, completed, failed, cancelled, rejected)
      SELECT tenant_id, utc_day(hour), workflow_id, sum(completed), sum(failed), sum(cancelled), sum(rejected)
        FROM job_hourly GROUP BY 1, 2, 3`);
    await q.query(`
      UPDATE job_daily d SET duration_counts = per_day.counts FROM (
        SELECT tenant_id, day, workflow_id, jsonb_object_agg(bucket, n) AS counts FROM (
          SELECT h.tenant_id, utc_day(h.hour) AS day, h.workflow_id, e.key AS bucket, sum(e.value::bigint) AS n
            FROM job_hourly h, jsonb_each_text(h.duration_counts) AS e
           GROUP BY 1, 2, 3, 4) per_bucket
        GROUP BY 1, 2, 3) per_day
      WHERE d.tenant_id = per_day.tenant_id AND d.day = per_day.day AND d.workflow_id = per_day.workflow_id`);
    await q.query(trackBoth);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(trackHourly);
    await q.query(`DROP TABLE job_daily`);
    await q.query(`DROP FUNCTION utc_day(timestamptz)`);
  }
}
