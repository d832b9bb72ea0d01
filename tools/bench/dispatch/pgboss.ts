import PgBoss10 from 'pg-boss-10';

/** The pg-boss majors the benchmark runs: the current one, and the one it printed before (for one release). */
export type PgBossMajor = 10 | 12;

export interface PgBossPeerOptions {
  readonly major: PgBossMajor;
  readonly databaseUrl: string;
  /**
   * PostgreSQL's `synchronous_commit` for every connection of the pool: `on` (its users' default:
   * a job is durable on disk before the call returns) or `off` (the commit returns before the WAL
   * is flushed, the same class of durability as nats-server 2.9's acknowledgement).
   */
  readonly synchronousCommit: 'on' | 'off';
  /** Workers that will run at once: the pool has a connection for each, and two for maintenance. */
  readonly workers: number;
}

/** One long-lived pg-boss instance, as an application keeps one, drained by workers in each measured run. */
export interface PgBossPeer {
  readonly version: string;
  readonly synchronousCommit: 'on' | 'off';
  /** Jobs per second: `jobs` no-op jobs inserted first, then `workers` workers each fetching `batch` at a time and completing them. */
  drain(jobs: number, options: { workers: number; batch: number }): Promise<number>;
  stop(): Promise<void>;
}

/** What the benchmark uses of pg-boss, the same in 10 and 12 but for `insert`. */
interface Boss {
  start(): Promise<unknown>;
  stop(options: { graceful: boolean; wait: boolean }): Promise<void>;
  on(event: 'error', handler: (error: Error) => void): unknown;
  createQueue(name: string): Promise<void>;
  fetch(name: string, options: { batchSize: number }): Promise<{ id: string }[] | null>;
  complete(name: string, ids: string[]): Promise<unknown>;
  getDb(): { executeSql(text: string): Promise<{ rows: Record<string, unknown>[] }> };
}

export async function openPgBoss(options: PgBossPeerOptions): Promise<PgBossPeer> {
  const config = {
    connectionString: options.databaseUrl,
    max: options.workers + 2,
    // One schema per major: 12 cannot run on 10's tables.
    schema: `pgboss${options.major}`,
    // Passed to every pooled connection by `pg`.
    options: `-c synchronous_commit=${options.synchronousCommit}`,
  };
  let boss: Boss;
  let version: string;
  let insert: (queue: string, data: { n: number }[]) => Promise<unknown>;
  if (options.major === 12) {
    // pg-boss 12 is ESM only; Node ≥ 20.19 loads it through require().
    const { PgBoss } = await import('pg-boss');
    const twelve = new PgBoss(config);
    boss = twelve;
    insert = (queue, data) =>
      twelve.insert(
        queue,
        data.map((d) => ({ data: d })),
      );
    version = (await import('pg-boss/package.json')).default.version;
  } else {
    const ten = new PgBoss10(config);
    boss = ten as unknown as Boss;
    insert = (queue, data) => ten.insert(data.map((d) => ({ name: queue, data: d })));
    version = (await import('pg-boss-10/package.json')).default.version;
  }
  boss.on('error', () => undefined);
  await boss.start();
  const { rows } = await boss.getDb().executeSql('SHOW synchronous_commit');
  if (rows[0]?.['synchronous_commit'] !== options.synchronousCommit)
    throw new Error(
      `pg-boss ${version} runs with synchronous_commit=${String(rows[0]?.['synchronous_commit'])}, not ${options.synchronousCommit}`,
    );
  let queues = 0;
  return {
    version,
    synchronousCommit: options.synchronousCommit,
    async drain(jobs, { workers, batch }) {
      const queue = `bench-${batch}-${++queues}`;
      await boss.createQueue(queue);
      for (let i = 0; i < jobs; i += 1000)
        await insert(
          queue,
          Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ n: i + k })),
        );
      let done = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (done < jobs) {
            const fetched = await boss.fetch(queue, { batchSize: batch });
            if (!fetched || fetched.length === 0) continue;
            await boss.complete(
              queue,
              fetched.map((job) => job.id),
            );
            done += fetched.length;
          }
        }),
      );
      return jobs / ((performance.now() - started) / 1000);
    },
    stop: () => boss.stop({ graceful: false, wait: true }),
  };
}
