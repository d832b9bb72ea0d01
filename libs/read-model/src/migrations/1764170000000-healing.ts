import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Self-healing: recorded selectors with fragility and heal counts, every heal of a job, heal proposals. */
export class Healing1764170000000 implements MigrationInterface {
  name = 'Healing1764170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE selectors (
        tenant_id text NOT NULL,
        selector_key text NOT NULL,
        workflow_id text NOT NULL,
        node_id text NOT NULL,
        selector text NOT NULL,
        fragility_score double precision,
        fragility_reasons jsonb,
        suggestion text,
        recorded_at timestamptz NOT NULL,
        heal_count int NOT NULL,
        last_healed_at timestamptz,
        last_healed_selector text,
        PRIMARY KEY (tenant_id, selector_key)
      )`);
    await q.query(`
      CREATE TABLE selector_heals (
        tenant_id text NOT NULL,
        job_id text NOT NULL,
        sequence bigint NOT NULL,
        step_key text NOT NULL,
        node_id text NOT NULL,
        workflow_id text NOT NULL,
        workflow_version int NOT NULL,
        selector_key text NOT NULL,
        previous_selector text NOT NULL,
        healed_selector text NOT NULL,
        problem text NOT NULL,
        tier int NOT NULL,
        confidence double precision NOT NULL,
        margin double precision NOT NULL,
        runner_up jsonb,
        elapsed_ms double precision NOT NULL,
        applied boolean NOT NULL,
        screenshot_ref text,
        healed_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, job_id, sequence)
      )`);
    await q.query(`
      CREATE TABLE heal_proposals (
        tenant_id text NOT NULL,
        proposal_id text NOT NULL,
        workflow_id text NOT NULL,
        workflow_version int NOT NULL,
        status text NOT NULL,
        patches jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        decided_at timestamptz,
        new_version int,
        note text,
        last_sequence bigint NOT NULL,
        PRIMARY KEY (tenant_id, proposal_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE heal_proposals`);
    await q.query(`DROP TABLE selector_heals`);
    await q.query(`DROP TABLE selectors`);
  }
}
