import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `job_counts`: jobs per tenant, status and priority, kept by row triggers on `jobs` in the same
 * transaction as the change (and so as the projector's checkpoint). Every way a job's status moves
 * (upserts, single-event updates, the dispatcher's events) is counted without the projector having
 * to know; a TRUNCATE of `jobs` fires no row trigger, so a rebuild truncates `job_counts` with it.
 */
export class JobCounts1765021000000 implements MigrationInterface {
  name = 'JobCounts1765021000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE job_counts (
        tenant_id text NOT NULL,
        status text NOT NULL,
        priority int NOT NULL,
        jobs bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, status, priority)
      )`);
    await q.query(`
      CREATE FUNCTION job_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          UPDATE job_counts SET jobs = jobs - 1
           WHERE tenant_id = OLD.tenant_id AND status = OLD.status AND priority = OLD.priority;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          INSERT INTO job_counts (tenant_id, status, priority, jobs)
          VALUES (NEW.tenant_id, NEW.status, NEW.priority, 1)
          ON CONFLICT (tenant_id, status, priority) DO UPDATE SET jobs = job_counts.jobs + 1;
        END IF;
        RETURN NULL;
      END $$`);
    // Existing rows are counted under a lock that keeps writers out until the triggers exist.
    await q.query(`LOCK TABLE jobs IN SHARE ROW EXCLUSIVE MODE`);
    await q.query(`
      CREATE TRIGGER jobs_counted_on_insert_delete AFTER INSERT OR DELETE ON jobs
      FOR EACH ROW EXECUTE FUNCTION job_counts_track()`);
    await q.query(`
      CREATE TRIGGER jobs_counted_on_update AFTER UPDATE OF status, priority ON jobs
      FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority)
      EXECUTE FUNCTION job_counts_track()`);
    await q.query(`
      INSERT INTO job_counts (tenant_id, status, priority, jobs)
      SELECT tenant_id, status, priority, count(*) FROM jobs GROUP BY tenant_id, status, priority`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER jobs_counted_on_update ON jobs`);
    await q.query(`DROP TRIGGER jobs_counted_on_insert_delete ON jobs`);
    await q.query(`DROP FUNCTION job_counts_track()`);
    await q.query(`DROP TABLE job_counts`);
  }
}
