import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@aether/testing';
import { READ_MODEL_MIGRATIONS } from '../data-source';
import { migratedUpTo } from '../test-support';

/** The ends already rolled up by hour are summed into days; later ends count in both. */
describe('migration DailyJobRollup', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('aether_daily_rollup');
  });
  afterAll(() => database.drop());

  const dataSource = (upTo: number) => migratedUpTo(database.url, upTo);

  const finish = (db: DataSource, jobId: string, finishedAt: string, tookMs: number, status = 'completed') =>
    db.query(
      `INSERT INTO jobs (tenant_id, job_id, workflow_id, status, priority, variables, requested_at, started_at,
                         finished_at, updated_at, last_sequence)
       VALUES ('default', $1, 'wf', $2, 10, '{}', $3::timestamptz - $4 * interval '1 ms',
               $3::timestamptz - $4 * interval '1 ms', $3, now(), 1)`,
      [jobId, status, finishedAt, tookMs],
    );

  it('sums each day of job_hourly into job_daily, and the trigger keeps both', async () => {
    const daily = READ_MODEL_MIGRATIONS.findIndex((m) => m.name === 'DailyJobRollup1765050000000');
    const before = await dataSource(daily).initialize();
    await before.runMigrations();
    await finish(before, 'a', '2026-01-01T10:00:00Z', 100); // bucket floor(4·log2 100) = 26
    await finish(before, 'b', '2026-01-01T23:59:00Z', 100);
    await finish(before, 'c', '2026-01-01T12:00:00Z', 110, 'failed'); // 27
    await finish(before, 'd', '2026-01-02T00:30:00Z', 100);
    await before.destroy();

    const after = await dataSource(daily + 1).initialize();
    try {
      expect((await after.runMigrations()).map((m) => m.name)).toEqual(['DailyJobRollup1765050000000']);
      await finish(after, 'e', '2026-01-02T08:00:00Z', 5_000); // 49
      const rows = await after.query(
        `SELECT day, completed, failed, duration_counts FROM job_daily WHERE workflow_id = 'wf' ORDER BY day`,
      );
      expect(rows).toEqual([
        {
          day: new Date('2026-01-01T00:00:00Z'),
          completed: '2',
          failed: '1',
          duration_counts: { '26': 2, '27': 1 },
        },
        {
          day: new Date('2026-01-02T00:00:00Z'),
          completed: '2',
          failed: '0',
          duration_counts: { '26': 1, '49': 1 },
        },
      ]);
      await after.undoLastMigration();
      expect(await after.query(`SELECT to_regclass('job_daily') AS t`)).toEqual([{ t: null }]);
      await finish(after, 'f', '2026-01-02T09:00:00Z', 100); // the hourly trigger still works without job_daily
    } finally {
      await after.destroy();
    }
  });
});
