import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@aether/testing';
import { READ_MODEL_MIGRATIONS } from '../data-source';
import { migratedUpTo } from '../test-support';
import { histogramQuantile } from '../analytics-queries';

/** The quantile buckets of the hours rolled up before the migration are filled in; later ends keep them. */
describe('migration HourlyDurationQuantiles', () => {
  let database: TestDatabase;
  const index = READ_MODEL_MIGRATIONS.findIndex((m) => m.name === 'HourlyDurationQuantiles1765070000000');

  beforeAll(async () => {
    database = await createTestDatabase('aether_hourly_quantiles');
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
  const hours = (db: DataSource) =>
    db.query(
      `SELECT hour, completed::int, cancelled::int, p50_bucket, p90_bucket, p99_bucket FROM job_hourly ORDER BY hour`,
    ) as Promise<Record<string, unknown>[]>;

  it('fills in the p50 / p90 / p99 buckets, the trigger keeps them, and down puts the old trigger back', async () => {
    const before = await dataSource(index).initialize();
    await before.runMigrations();
    // 10:00: buckets 26 ×8, 39 ×1, 59 ×1 (100 ms, 1,000 ms, 30,000 ms): p50 26, p90 39, p99 59.
    for (let i = 0; i < 8; i++) await finish(before, `a${i}`, '2026-01-01T10:10:00Z', 100);
    await finish(before, 'b', '2026-01-01T10:20:00Z', 1_000);
    await finish(before, 'c', '2026-01-01T10:30:00Z', 30_000, 'failed');
    await finish(before, 'd', '2026-01-01T11:00:00Z', 100, 'cancelled'); // an hour without durations
    await before.destroy();

    const after = await dataSource(index + 1).initialize();
    try {
      expect((await after.runMigrations()).map((m) => m.name)).toEqual([
        'HourlyDurationQuantiles1765070000000',
      ]);
      expect(await hours(after)).toEqual([
        {
          hour: new Date('2026-01-01T10:00:00Z'),
          completed: 8 + 1,
          cancelled: 0,
          p50_bucket: 26,
          p90_bucket: 39,
          p99_bucket: 59,
        },
        {
          hour: new Date('2026-01-01T11:00:00Z'),
          completed: 0,
          cancelled: 1,
          p50_bucket: null,
          p90_bucket: null,
          p99_bucket: null,
        },
      ]);
      // Two more at 59 make it 8 / 1 / 3 of 12: p50 26 (6th), p90 59 (11th), p99 59 (12th).
      await finish(after, 'e', '2026-01-01T10:40:00Z', 30_000);
      await finish(after, 'f', '2026-01-01T10:50:00Z', 30_000, 'failed');
      await finish(after, 'g', '2026-01-01T11:10:00Z', 1_000);
      await finish(after, 'h', '2026-01-01T10:55:00Z', 100, 'cancelled'); // no duration: quantiles stay
      expect(await hours(after)).toEqual([
        {
          hour: new Date('2026-01-01T10:00:00Z'),
          completed: 10,
          cancelled: 1,
          p50_bucket: 26,
          p90_bucket: 59,
          p99_bucket: 59,
        },
        {
          hour: new Date('2026-01-01T11:00:00Z'),
          completed: 1,
          cancelled: 1,
          p50_bucket: 39,
          p90_bucket: 39,
          p99_bucket: 39,
        },
      ]);
      expect(
        await after.query(`SELECT completed::int, failed::int FROM job_daily WHERE workflow_id = 'wf'`),
      ).toEqual([{ completed: 11, failed: 2 }]);

      await after.undoLastMigration();
      expect(
        await after.query(
          `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'job_hourly' AND column_name LIKE 'p__\\_bucket'`,
        ),
      ).toEqual([{ n: 0 }]);
      expect(await after.query(`SELECT to_regproc('duration_quantile_buckets') AS f`)).toEqual([{ f: null }]);
      await finish(after, 'i', '2026-01-01T12:00:00Z', 100); // the trigger as DailyJobRollup left it
      expect(await after.query(`SELECT completed::int FROM job_daily WHERE workflow_id = 'wf'`)).toEqual([
        { completed: 12 },
      ]);
    } finally {
      await after.destroy();
    }
  });

  it('duration_quantile_buckets finds the bucket histogramQuantile reads, whatever the histogram', async () => {
    const db = await dataSource(READ_MODEL_MIGRATIONS.length).initialize();
    try {
      await db.runMigrations();
      let seed = 72;
      const random = (below: number) => {
        seed = (seed * 48_271) % 2_147_483_647;
        return seed % below;
      };
      const histograms: Record<string, number>[] = [{ '7': 1 }, { '3': 30 }, { '0': 1, '127': 99 }];
      for (let i = 0; i < 300; i++) {
        const histogram: Record<string, number> = {};
        const keys = 1 + random(20);
        for (let k = 0; k < keys; k++) histogram[random(128)] = 1 + random(i % 3 === 0 ? 400 : 9);
        histograms.push(histogram);
      }
      const rows: { p50: number; p90: number; p99: number }[] = await db.query(
        `SELECT q.* FROM unnest($1::jsonb[]) WITH ORDINALITY AS h(counts, i), duration_quantile_buckets(h.counts) AS q
          ORDER BY h.i`,
        [histograms.map((h) => JSON.stringify(h))],
      );
      const ms = (bucket: number) => Math.round(2 ** ((bucket + 0.5) / 4));
      expect(rows.map((r) => [ms(r.p50), ms(r.p90), ms(r.p99)])).toEqual(
        histograms.map((h) => [0.5, 0.9, 0.99].map((q) => histogramQuantile(h, q))),
      );
      expect(await db.query(`SELECT q.* FROM duration_quantile_buckets('{}') AS q`)).toEqual([
        { p50: null, p90: null, p99: null },
      ]);
    } finally {
      await db.destroy();
    }
  });
});
