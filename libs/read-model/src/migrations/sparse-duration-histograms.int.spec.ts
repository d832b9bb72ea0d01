import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@aether/testing';
import { READ_MODEL_MIGRATIONS } from '../data-source';
import { migratedUpTo } from '../test-support';

/** The histograms already rolled up before the migration keep their counts, now sparse. */
describe('migration SparseDurationHistograms', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('aether_sparse_histograms');
  });
  afterAll(() => database.drop());

  const dataSource = (upTo: number) => migratedUpTo(database.url, upTo);

  const finish = (db: DataSource, jobId: string, tookMs: number) =>
    db.query(
      `INSERT INTO jobs (tenant_id, job_id, workflow_id, status, priority, variables, requested_at, started_at,
                         finished_at, updated_at, last_sequence)
       VALUES ('default', $1, 'wf', 'completed', 10, '{}', '2026-01-01T10:00:00Z', '2026-01-01T10:00:00Z',
               '2026-01-01T10:00:00Z'::timestamptz + $2 * interval '1 ms', now(), 1)`,
      [jobId, tookMs],
    );

  it('moves each non-zero bucket into duration_counts, and later ends count there', async () => {
    const sparse = READ_MODEL_MIGRATIONS.findIndex((m) => m.name === 'SparseDurationHistograms1765047000000');
    const before = await dataSource(sparse).initialize();
    await before.runMigrations();
    await finish(before, 'a', 100); // bucket floor(4·log2 100) = 26
    await finish(before, 'b', 110); // 27
    await finish(before, 'c', 100);
    await before.destroy();

    const after = await dataSource(sparse + 1).initialize();
    try {
      expect((await after.runMigrations()).map((m) => m.name)).toEqual([
        'SparseDurationHistograms1765047000000',
      ]);
      await finish(after, 'd', 110);
      await finish(after, 'e', 5_000); // 49
      const [row] = await after.query(
        `SELECT completed, duration_counts FROM job_hourly WHERE workflow_id = 'wf'`,
      );
      expect(row).toEqual({ completed: '5', duration_counts: { '26': 2, '27': 2, '49': 1 } });
    } finally {
      await after.destroy();
    }
  });
});
