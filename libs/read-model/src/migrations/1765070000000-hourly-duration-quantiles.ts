import type { MigrationInterface, QueryRunner } from 'typeorm';
import { trackBoth } from './1765050000000-daily-job-rollup';

/**
 * The buckets holding the p50, p90 and p99 of a sparse duration histogram (`{"<bucket>": count}`),
 * NULL when it is empty: the bucket where the running count first reaches max(1, ⌈q · total⌉),
 * in float8 as the gateway's `histogramQuantile` computes it, so both give the same bucket.
 */
const quantileBuckets = `
  CREATE FUNCTION duration_quantile_buckets(counts jsonb, OUT p50 smallint, OUT p90 smallint, OUT p99 smallint)
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
  DECLARE
    total float8;
    seen float8 := 0;
    entry record;
  BEGIN
    SELECT sum(value::bigint) INTO total FROM jsonb_each_text(counts);
    IF total IS NULL OR total = 0 THEN
      RETURN;
    END IF;
    FOR entry IN SELECT key::smallint AS bucket, value::bigint AS n FROM jsonb_each_text(counts) ORDER BY 1 LOOP
      seen := seen + entry.n;
      IF p50 IS NULL AND seen >= greatest(1, ceil(0.5::float8 * total)) THEN p50 := entry.bucket; END IF;
      IF p90 IS NULL AND seen >= greatest(1, ceil(0.9::float8 * total)) THEN p90 := entry.bucket; END IF;
      IF seen >= greatest(1, ceil(0.99::float8 * total)) THEN
        p99 := entry.bucket;
        RETURN;
      END IF;
    END LOOP;
  END $$`;

/** `DailyJobRollup`'s trigger function, its hourly statement also keeping the quantile buckets. */
const trackWithQuantiles = `
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

    INSERT INTO job_hourly (tenant_id, hour, workflow_id) VALUES (NEW.tenant_id, utc_hour(NEW.finished_at), NEW.workflow_id)
    ON CONFLICT DO NOTHING;
    UPDATE job_hourly SET
      completed = completed + (NEW.status = 'completed')::int,
      failed = failed + (NEW.status = 'failed')::int,
      cancelled = cancelled + (NEW.status = 'cancelled')::int,
      rejected = rejected + (NEW.status = 'rejected')::int,
      (duration_counts, p50_bucket, p90_bucket, p99_bucket) = (
        SELECT counted.counts, q.p50, q.p90, q.p99
          FROM (SELECT CASE WHEN bucket IS NULL THEN duration_counts ELSE
                  jsonb_set(duration_counts, ARRAY[bucket], to_jsonb(coalesce((duration_counts ->> bucket)::bigint, 0) + 1))
                END AS counts) AS counted,
               duration_quantile_buckets(counted.counts) AS q)
    WHERE tenant_id = NEW.tenant_id AND hour = utc_hour(NEW.finished_at) AND workflow_id = NEW.workflow_id;

    INSERT INTO job_daily (tenant_id, day, workflow_id) VALUES (NEW.tenant_id, utc_day(NEW.finished_at), NEW.workflow_id)
    ON CONFLICT DO NOTHING;
    UPDATE job_daily SET
      completed = completed + (NEW.status = 'completed')::int,
      failed = failed + (NEW.status = 'failed')::int,
      cancelled = cancelled + (NEW.status = 'cancelled')::int,
      rejected = rejected + (NEW.status = 'rejected')::int,
      duration_counts = CASE WHEN bucket IS NULL THEN duration_counts ELSE
        jsonb_set(duration_counts, ARRAY[bucket], to_jsonb(coalesce((duration_counts ->> bucket)::bigint, 0) + 1)) END
    WHERE tenant_id = NEW.tenant_id AND day = utc_day(NEW.finished_at) AND workflow_id = NEW.workflow_id;
    RETURN NULL;
  END $$`;

/**
 * `job_hourly` keeps the p50 / p90 / p99 buckets of each row's histogram, recomputed by the trigger
 * as it counts an end. Seven days by hour drew 1,680 points from 1,680 histograms that the gateway
 * parsed and walked on every request (issue 21's analytics p99, ADR 72); now it reads the points'
 * three numbers, and each workflow's histogram over the whole range summed by PostgreSQL.
 */
export class HourlyDurationQuantiles1765070000000 implements MigrationInterface {
  name = 'HourlyDurationQuantiles1765070000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(quantileBuckets);
    await q.query(`LOCK TABLE jobs, job_hourly IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(
      `ALTER TABLE job_hourly ADD COLUMN p50_bucket smallint, ADD COLUMN p90_bucket smallint, ADD COLUMN p99_bucket smallint`,
    );
    await q.query(`
      UPDATE job_hourly SET (p50_bucket, p90_bucket, p99_bucket) = (
        SELECT p50, p90, p99 FROM duration_quantile_buckets(duration_counts))
      WHERE duration_counts <> '{}'`);
    await q.query(trackWithQuantiles);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(trackBoth);
    await q.query(
      `ALTER TABLE job_hourly DROP COLUMN p50_bucket, DROP COLUMN p90_bucket, DROP COLUMN p99_bucket`,
    );
    await q.query(`DROP FUNCTION duration_quantile_buckets(jsonb)`);
  }
}
