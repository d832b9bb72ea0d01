import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Work queues and deadlines in the read model (ADR 64): `queues` (each queue's latest policy),
 * `queue_items` (an item's status as its events leave it, with its deadline flags), a job's
 * deadline and its at-risk / missed flags, and a step's stall. Queue events appended before this
 * migration lie behind the checkpoint: a rebuild (`aether replay`) projects them.
 */
export class QueuesAndDeadlines1765060000000 implements MigrationInterface {
  name = 'QueuesAndDeadlines1765060000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE queues (
        tenant_id text NOT NULL,
        queue text NOT NULL,
        max_retries int NOT NULL,
        sla_ms bigint,
        on_deadline_missed text,
        trigger jsonb,
        defined_at timestamptz NOT NULL,
        last_sequence bigint NOT NULL,
        PRIMARY KEY (tenant_id, queue)
      )`);
    await q.query(`
      CREATE TABLE queue_items (
        tenant_id text NOT NULL,
        item_id text NOT NULL,
        queue text NOT NULL,
        reference text NOT NULL,
        status text NOT NULL,
        priority int NOT NULL,
        deadline timestamptz,
        max_retries int NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        job_id text,
        robot_id text,
        error jsonb,
        added_at timestamptz NOT NULL,
        started_at timestamptz,
        finished_at timestamptz,
        at_risk_at timestamptz,
        predicted_finish timestamptz,
        deadline_missed_at timestamptz,
        updated_at timestamptz NOT NULL,
        last_sequence bigint NOT NULL,
        PRIMARY KEY (tenant_id, item_id)
      )`);
    await q.query(`CREATE INDEX queue_items_by_status ON queue_items (tenant_id, queue, status)`);
    await q.query(
      `CREATE INDEX queue_items_by_added ON queue_items (tenant_id, queue, added_at DESC, item_id DESC)`,
    );
    await q.query(`
      ALTER TABLE jobs
        ADD COLUMN deadline timestamptz,
        ADD COLUMN at_risk_at timestamptz,
        ADD COLUMN predicted_finish timestamptz,
        ADD COLUMN deadline_missed_at timestamptz,
        ADD COLUMN deadline_consequence text`);
    await q.query(
      `CREATE INDEX jobs_with_deadline_flags ON jobs (tenant_id, deadline)
        WHERE at_risk_at IS NOT NULL OR deadline_missed_at IS NOT NULL`,
    );
    await q.query(`ALTER TABLE job_steps ADD COLUMN stall jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_steps DROP COLUMN stall`);
    await q.query(`DROP INDEX jobs_with_deadline_flags`);
    await q.query(`
      ALTER TABLE jobs
        DROP COLUMN deadline, DROP COLUMN at_risk_at, DROP COLUMN predicted_finish,
        DROP COLUMN deadline_missed_at, DROP COLUMN deadline_consequence`);
    await q.query(`DROP TABLE queue_items`);
    await q.query(`DROP TABLE queues`);
  }
}
