import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ADR 89: a checkpoint names the EVENTS stream it was taken on (the stream's `created` time as
 * the server reports it, nanoseconds included, so text). NULL for a checkpoint taken before this
 * migration: the projector adopts the stream it finds when the checkpoint is not past its end.
 */
export class CheckpointStream1765080000000 implements MigrationInterface {
  name = 'CheckpointStream1765080000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE projection_checkpoints ADD COLUMN stream_created text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE projection_checkpoints DROP COLUMN stream_created`);
  }
}
