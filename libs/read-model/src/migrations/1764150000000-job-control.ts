import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Operator attention (ambiguous steps) and cancellation on the job view. */
export class JobControl1764150000000 implements MigrationInterface {
  name = 'JobControl1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN attention jsonb`);
    await q.query(`ALTER TABLE jobs ADD COLUMN cancel_requested_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs DROP COLUMN cancel_requested_at`);
    await q.query(`ALTER TABLE jobs DROP COLUMN attention`);
  }
}
