import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, eventually, type TestDatabase } from '@aether/testing';

const REPO_ROOT = resolve(__dirname, '../../..');

interface Ran {
  code: number | null;
  output: string;
}

/** `migrate.ts` as the Kubernetes Job (no flag) and the init containers (`--wait`) run it. */
function migrate(
  database: TestDatabase,
  args: string[],
  env: Record<string, string> = {},
): Promise<Ran> & { printed: () => string } {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join('apps', 'metrics', 'src', 'migrate.ts'), ...args],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'),
        DATABASE_URL: database.url,
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ran = new Promise<Ran>((done) => child.once('close', (code) => done({ code, output })));
  return Object.assign(ran, { printed: () => output });
}

describe('the read model migrations step (apps/metrics/src/migrate.ts) on a real PostgreSQL', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('aether_migrate');
  });
  afterAll(async () => {
    await database?.drop();
  });

  async function tables(): Promise<string[]> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ tablename: string }>(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
      );
      return rows.map((row) => row.tablename);
    } finally {
      await client.end();
    }
  }

  it('--wait on a database nobody migrated gives up after MIGRATIONS_WAIT_MS and fails', async () => {
    const waited = await migrate(database, ['--wait'], { MIGRATIONS_WAIT_MS: '500' });
    expect(waited.code).toBe(1);
    expect(waited.output).toContain('waiting for the migrations job');
    expect(waited.output).toContain('migrations still pending after 500 ms');
    expect(await tables()).not.toContain('jobs');
  }, 60_000);

  it('the job applies every migration, releasing an init container that was waiting', async () => {
    const waiting = migrate(database, ['--wait'], { MIGRATIONS_WAIT_MS: '60000' });
    await eventually(
      async () => (waiting.printed().includes('waiting for the migrations job') ? true : undefined),
      { timeoutMs: 30_000, what: 'the init container to wait' },
    );
    const applied = await migrate(database, []);
    expect(applied.code).toBe(0);
    const count = Number(/applied (\d+) migrations/.exec(applied.output)?.[1]);
    expect(count).toBeGreaterThan(0);
    expect(await tables()).toEqual(expect.arrayContaining(['jobs', 'job_steps', 'projection_checkpoints']));
    const released = await waiting;
    expect(released.code).toBe(0);
    expect(released.output).toContain('read model is up to date');
  }, 90_000);

  it('applies nothing the second time, and --wait returns at once', async () => {
    const again = await migrate(database, []);
    expect(again.code).toBe(0);
    expect(again.output).toContain('applied 0 migrations');
    const waited = await migrate(database, ['--wait'], { MIGRATIONS_WAIT_MS: '1000' });
    expect(waited.code).toBe(0);
    expect(waited.output).not.toContain('waiting for the migrations job');
  }, 60_000);
});
