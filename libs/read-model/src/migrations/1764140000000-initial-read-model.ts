import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialReadModel1764140000000 implements MigrationInterface {
  name = 'InitialReadModel1764140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projection_checkpoints (
        name text PRIMARY KEY,
        last_sequence bigint NOT NULL
      )`);
    await q.query(`
      CREATE TABLE workflows (
        tenant_id text NOT NULL,
        workflow_id text NOT NULL,
        version int NOT NULL,
        name text,
        definition jsonb NOT NULL,
        published_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, workflow_id, version)
      )`);
    await q.query(`
      CREATE TABLE jobs (
        tenant_id text NOT NULL,
        job_id text NOT NULL,
        workflow_id text NOT NULL,
        workflow_version int,
        status text NOT NULL,
        priority int NOT NULL,
        robot_id text,
        variables jsonb NOT NULL,
        outputs jsonb,
        error jsonb,
        requested_at timestamptz NOT NULL,
        dispatched_at timestamptz,
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL,
        last_sequence bigint NOT NULL,
        PRIMARY KEY (tenant_id, job_id)
      )`);
    await q.query(`CREATE INDEX jobs_by_status ON jobs (tenant_id, status, requested_at DESC)`);
    await q.query(`
      CREATE TABLE job_steps (
        tenant_id text NOT NULL,
        job_id text NOT NULL,
        step_key text NOT NULL,
        node_id text NOT NULL,
        node_type text NOT NULL,
        status text NOT NULL,
        attempt int NOT NULL,
        robot_id text,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        duration_ms double precision,
        output jsonb,
        error jsonb,
        artifacts jsonb,
        first_sequence bigint NOT NULL,
        PRIMARY KEY (tenant_id, job_id, step_key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_steps`);
    await q.query(`DROP TABLE jobs`);
    await q.query(`DROP TABLE workflows`);
    await q.query(`DROP TABLE projection_checkpoints`);
  }
}
