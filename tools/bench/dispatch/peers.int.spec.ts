import { Client } from 'pg';
import { createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@aether/testing';
import { startRawPullers, type RawPullers } from './jetstream';
import { openPgBoss } from './pgboss';

describe('the dispatch benchmark’s peers', () => {
  describe('raw JetStream, a puller process per connection', () => {
    let nats: TestNatsServer;
    let pullers: RawPullers | undefined;

    beforeAll(async () => {
      nats = await startNatsServer();
    });
    afterAll(async () => {
      await pullers?.stop();
      await nats?.stop();
    });

    it('drains every message exactly once, twice over with the same processes', async () => {
      pullers = await startRawPullers(nats.url, 3);
      expect(new Set(pullers.pids).size).toBe(3);
      expect(pullers.pids).not.toContain(process.pid);
      // drain() throws unless the pullers together took exactly as many messages as were stored.
      for (const messages of [300, 200]) {
        const result = await pullers.drain(messages, undefined);
        expect(result.msgsPerS).toBeGreaterThan(0);
        expect(result.clientCpuMs).toBeGreaterThan(0);
      }
    }, 60_000);
  });

  describe('pg-boss', () => {
    let db: TestDatabase;

    beforeAll(async () => {
      db = await createTestDatabase('aether_bench_peers');
    });
    afterAll(() => db?.drop());

    it.each([
      [12, 'off'],
      [10, 'on'],
    ] as const)(
      'pg-boss %i runs with synchronous_commit %s and completes every job',
      async (major, synchronousCommit) => {
        const peer = await openPgBoss({ major, databaseUrl: db.url, synchronousCommit, workers: 2 });
        try {
          expect(peer.version.split('.')[0]).toBe(String(major));
          expect(peer.synchronousCommit).toBe(synchronousCommit);
          expect(await peer.drain(50, { workers: 2, batch: 1 })).toBeGreaterThan(0);
          const client = new Client({ connectionString: db.url });
          await client.connect();
          try {
            const { rows } = await client.query(
              `SELECT state, count(*)::int AS n FROM pgboss${major}.job WHERE name LIKE 'bench-%' GROUP BY state`,
            );
            expect(rows).toEqual([{ state: 'completed', n: 50 }]);
          } finally {
            await client.end();
          }
        } finally {
          await peer.stop();
        }
      },
      60_000,
    );
  });
});
