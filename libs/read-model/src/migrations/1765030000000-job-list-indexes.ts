import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The console's job list (`GET /api/v1/metrics/jobs`) filters by workflow or robot and sorts by
 * priority or workflow, a page at a time by keyset `(column, requested_at, job_id)`. Each index
 * serves one filter or sort in both directions (read forwards or backwards), so a page is an
 * index range at any depth. Built concurrently, outside a transaction, as the projector writes on.
 */
export class JobListIndexes1765030000000 implements MigrationInterface {
  name = 'JobListIndexes1765030000000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    for (const [name, column] of INDEXES)
      await q.query(
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON jobs (tenant_id, ${column}, requested_at, job_id)`,
      );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name] of INDEXES) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
  }
}

const INDEXES = [
  ['jobs_by_workflow', 'workflow_id'],
  ['jobs_by_robot', 'robot_id'],
  ['jobs_by_priority', 'priority'],
] as const;
