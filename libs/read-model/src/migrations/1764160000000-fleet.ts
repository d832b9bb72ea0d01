import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Dead-lettered jobs (retries exhausted), listed and requeued through the API. */
export class Fleet1764160000000 implements MigrationInterface {
  name = 'Fleet1764160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dead_letters (
        tenant_id text NOT NULL,
        job_id text NOT NULL,
        workflow_id text NOT NULL,
        attempts int NOT NULL,
        error jsonb NOT NULL,
        dead_lettered_at timestamptz NOT NULL,
        last_sequence bigint NOT NULL,
        PRIMARY KEY (tenant_id, job_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE dead_letters`);
  }
}
