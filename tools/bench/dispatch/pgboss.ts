import PgBoss from 'pg-boss';

/**
 * pg-boss on the same PostgreSQL: `jobs` no-op jobs inserted first, then four workers drain
 * them. Robot pattern: each worker fetches one job, then completes it. Batched: each worker
 * fetches up to `batch` and completes them in one call.
 */
export async function measurePgBoss(
  databaseUrl: string,
  jobs: number,
  options: { workers: number; batch: number },
): Promise<number> {
  const boss = new PgBoss({ connectionString: databaseUrl, max: options.workers + 2, schema: 'pgboss' });
  boss.on('error', () => undefined);
  await boss.start();
  const queue = `bench-${options.batch}-${Date.now()}`;
  await boss.createQueue(queue);
  for (let i = 0; i < jobs; i += 1000) {
    await boss.insert(
      Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ name: queue, data: { n: i + k } })),
    );
  }
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.workers }, async () => {
      while (done < jobs) {
        const fetched = await boss.fetch(queue, { batchSize: options.batch });
        if (!fetched || fetched.length === 0) {
          if (done >= jobs) break;
          continue;
        }
        await boss.complete(
          queue,
          fetched.map((job) => job.id),
        );
        done += fetched.length;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await boss.stop({ graceful: false, wait: true });
  return jobs / seconds;
}
