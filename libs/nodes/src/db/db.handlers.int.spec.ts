import * as mysql from 'mysql2/promise';
import { Client } from 'pg';
import { createPlanner, parseWorkflow, type StepRecord, type Workflow } from '@aether/workflow';
import { createTestDatabase, createTestMysqlDatabase, eventually } from '@aether/testing';
import type { NodeHandler } from '../contract';
import { testNodeContext, type TestNodeContextOptions } from '../testing/node-context';
import { DatabasePool } from './database-pool';
import { dbHandlers } from './db.handlers';

jest.setTimeout(60_000);

/** A plain connection of the test's own, to set up tables, hold locks and look. */
interface Raw {
  query(sql: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

interface Dialect {
  readonly name: 'postgres' | 'mysql';
  create(): Promise<{ url: string; drop(): Promise<void> }>;
  connect(url: string): Promise<Raw>;
  readonly invoicesDdl: string;
  /** The server id of the connection waiting on a row lock for `UPDATE accounts…`, if any. */
  readonly waitingUpdate: string;
  kill(raw: Raw, id: number): Promise<unknown>;
  readonly begin: string;
  /** How the driver returns `paid = false`. */
  readonly falseValue: unknown;
}

const POSTGRES: Dialect = {
  name: 'postgres',
  create: () => createTestDatabase('aether_db_nodes'),
  connect: async (url) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    return {
      query: async (sql, values) => (await client.query(sql, values)).rows,
      close: () => client.end(),
    };
  },
  invoicesDdl: `CREATE TABLE invoices (id serial PRIMARY KEY, number text UNIQUE NOT NULL, customer text NOT NULL,
    total numeric(10,2) NOT NULL, issued date NOT NULL, paid boolean NOT NULL DEFAULT false, received_at timestamptz)`,
  waitingUpdate: `SELECT pid AS id FROM pg_stat_activity WHERE datname = current_database()
    AND wait_event_type = 'Lock' AND query LIKE 'UPDATE accounts%'`,
  kill: (raw, id) => raw.query('SELECT pg_terminate_backend($1)', [id]),
  begin: 'BEGIN',
  falseValue: false,
};

const MARIADB: Dialect = {
  name: 'mysql',
  create: () => createTestMysqlDatabase('aether_db_nodes'),
  connect: async (url) => {
    const conn = await mysql.createConnection({ uri: url, timezone: 'Z', dateStrings: ['DATE'] });
    return {
      query: async (sql, values) => (await conn.query(sql, values))[0] as Record<string, unknown>[],
      close: () => conn.end(),
    };
  },
  invoicesDdl: `CREATE TABLE invoices (id int AUTO_INCREMENT PRIMARY KEY, number varchar(32) UNIQUE NOT NULL,
    customer varchar(255) NOT NULL, total decimal(10,2) NOT NULL, issued date NOT NULL,
    paid boolean NOT NULL DEFAULT false, received_at datetime(3))`,
  waitingUpdate: `SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND info LIKE 'UPDATE accounts%'`,
  kill: (raw, id) => raw.query(`KILL ${Number(id)}`),
  begin: 'START TRANSACTION',
  falseValue: 0,
};

describe.each([POSTGRES, MARIADB])('db.* on a real $name server', (dialect) => {
  let database: { url: string; drop(): Promise<void> };
  let raw: Raw;
  let pool: DatabasePool;
  let handlers: Map<string, NodeHandler>;
  const run = (type: string, params: Record<string, unknown>, context: TestNodeContextOptions = {}) =>
    handlers.get(type)!.execute({ connection: database.url, ...params }, testNodeContext(context));

  beforeAll(async () => {
    database = await dialect.create();
    raw = await dialect.connect(database.url);
    await raw.query(dialect.invoicesDdl);
    await raw.query('CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)');
    pool = new DatabasePool({ maxConnectionsPerDatabase: 3 });
    handlers = new Map(dbHandlers({ pool, maxResultBytes: 64 * 1024 }).map((h) => [h.type, h]));
  });
  beforeEach(async () => {
    await raw.query('DELETE FROM invoices');
    await raw.query('DELETE FROM accounts');
    await raw.query('INSERT INTO accounts (id, balance) VALUES (1, 100)');
  });
  afterAll(async () => {
    await pool?.close();
    await raw?.close();
    await database?.drop();
  });

  const insertInvoice = (number: string, customer: string, total: number, context?: TestNodeContextOptions) =>
    run(
      'db.execute',
      {
        sql: 'INSERT INTO invoices (number, customer, total, issued, received_at) VALUES (:number, :customer, :total, :issued, :receivedAt)',
        params: { number, customer, total, issued: '2026-03-01', receivedAt: '2026-03-02T08:30:00.000Z' },
      },
      context,
    );

  it('inserts with named parameters and reads rows back with JSON-ready types', async () => {
    expect(await insertInvoice('INV-1', 'Acme Ltd', 120.5)).toEqual({
      affectedRows: 1,
      rows: [],
      alreadyApplied: false,
    });
    await insertInvoice('INV-2', 'Globex', 99);
    const out = await run('db.query', {
      sql: 'SELECT number, customer, total, issued, paid, received_at FROM invoices WHERE customer = :customer OR number = :number ORDER BY number -- :not a param\n',
      params: { customer: 'Acme Ltd', number: 'INV-2' },
    });
    expect(out).toEqual({
      count: 2,
      columns: ['number', 'customer', 'total', 'issued', 'paid', 'received_at'],
      rows: [
        // DECIMAL stays an exact string; a DATE is a day; a timestamp an ISO instant.
        {
          number: 'INV-1',
          customer: 'Acme Ltd',
          total: '120.50',
          issued: '2026-03-01',
          paid: dialect.falseValue,
          received_at: '2026-03-02T08:30:00.000Z',
        },
        {
          number: 'INV-2',
          customer: 'Globex',
          total: '99.00',
          issued: '2026-03-01',
          paid: dialect.falseValue,
          received_at: '2026-03-02T08:30:00.000Z',
        },
      ],
    });
    expect(pool.usage()).toMatchObject({ leases: 0, databases: 1 });
  });

  it('binds a hostile value as a value', async () => {
    const evil = "x'); DROP TABLE invoices; --";
    await insertInvoice('INV-3', evil, 1);
    expect(await raw.query('SELECT customer FROM invoices')).toEqual([{ customer: evil }]);
  });

  it('runs db.query read-only: a write inside it fails and changes nothing', async () => {
    await insertInvoice('INV-4', 'Acme Ltd', 10);
    await expect(run('db.query', { sql: 'DELETE FROM invoices' })).rejects.toMatchObject({
      name: 'DatabaseError',
      retryable: false,
      message: expect.stringMatching(/read.only/i),
    });
    expect(await raw.query('SELECT number FROM invoices')).toEqual([{ number: 'INV-4' }]);
  });

  it('fails a result over maxRows (terminal) and keeps the pool usable', async () => {
    for (const n of [1, 2, 3, 4, 5]) await insertInvoice(`INV-${n}`, 'Bulk', n);
    await expect(run('db.query', { sql: 'SELECT * FROM invoices', maxRows: 3 })).rejects.toMatchObject({
      name: 'DatabaseResultTooLargeError',
      code: 'DB_RESULT_TOO_LARGE',
      retryable: false,
    });
    await expect(run('db.query', { sql: "SELECT repeat('x', 70000) AS big" })).rejects.toMatchObject({
      message: expect.stringContaining('at most 65536 fit'),
    });
    expect(await run('db.query', { sql: 'SELECT count(*) AS n FROM invoices' })).toMatchObject({ count: 1 });
    expect(pool.usage().leases).toBe(0);
  });

  it('with an idempotency key, runs a statement once per job, step and key', async () => {
    const step = { jobId: 'job-1', stepKey: 'record[0]', idempotencyKey: 'INV-9' };
    expect(await insertInvoice('INV-9', 'Acme Ltd', 5, step)).toEqual({
      affectedRows: 1,
      rows: [],
      alreadyApplied: false,
    });
    // The robot died after the commit, before StepCompleted: the step runs again.
    expect(await insertInvoice('INV-9', 'Acme Ltd', 5, step)).toEqual({
      affectedRows: 1,
      rows: [],
      alreadyApplied: true,
    });
    expect(await raw.query('SELECT count(*) AS n FROM invoices')).toEqual([
      { n: dialect.name === 'postgres' ? '1' : 1 },
    ]);
    const ledger = await raw.query(
      'SELECT tenant_id, job_id, step_key, idempotency_key FROM aether_step_ledger',
    );
    expect(ledger).toEqual([
      { tenant_id: 'default', job_id: 'job-1', step_key: 'record[0]', idempotency_key: 'INV-9' },
    ]);
    // Without a key the statement is not guarded: the duplicate number is refused by the table, terminally.
    await expect(insertInvoice('INV-9', 'Acme Ltd', 5)).rejects.toMatchObject({
      name: 'DatabaseError',
      retryable: false,
    });
  });

  it('a connection killed mid-statement rolls back with its ledger row; the re-run applies the change once', async () => {
    const locker = await dialect.connect(database.url);
    await locker.query(dialect.begin);
    await locker.query('SELECT balance FROM accounts WHERE id = 1 FOR UPDATE');
    const step = { jobId: 'job-2', stepKey: 'pay', idempotencyKey: 'payment-77' };
    const pay = () =>
      run(
        'db.execute',
        { sql: 'UPDATE accounts SET balance = balance + :amount WHERE id = 1', params: { amount: 10 } },
        step,
      );
    const first = pay();
    const waiting = await eventually(
      async () => (await raw.query(dialect.waitingUpdate))[0]?.['id'] as number | undefined,
      {
        what: 'the UPDATE to wait for the row lock',
      },
    );
    await dialect.kill(raw, Number(waiting));
    await expect(first).rejects.toMatchObject({ name: 'DatabaseError', retryable: true });
    await locker.query('ROLLBACK');
    await locker.close();
    expect(await pay()).toEqual({ affectedRows: 1, rows: [], alreadyApplied: false });
    expect(await pay()).toEqual({ affectedRows: 1, rows: [], alreadyApplied: true });
    expect(await raw.query('SELECT balance FROM accounts WHERE id = 1')).toEqual([{ balance: 110 }]);
  });

  it('never puts the password of a connection string into an error', async () => {
    const url = new URL(database.url);
    url.username = dialect.name === 'postgres' ? 'postgres' : 'root';
    url.password = 'S3cret-Pa55word';
    url.port = '1';
    const refused = handlers
      .get('db.query')!
      .execute({ connection: url.toString(), sql: 'SELECT 1' }, testNodeContext());
    await expect(refused).rejects.toMatchObject({ name: 'DatabaseError', retryable: true });
    const message = await refused.catch((error: Error) => error.message);
    expect(message).not.toContain('S3cret-Pa55word');
    expect(message).not.toContain(url.toString());
  });
});

describe('DatabasePool on a real PostgreSQL server', () => {
  let database: { url: string; drop(): Promise<void> };
  beforeAll(async () => (database = await createTestDatabase('aether_db_pool')));
  afterAll(() => database?.drop());

  it('holds a job to its quota while other jobs go ahead', async () => {
    const pool = new DatabasePool({ maxConnectionsPerJob: 1 });
    try {
      const first = await pool.acquire(database.url, 'job-a');
      let secondReady = false;
      const second = pool.acquire(database.url, 'job-a').then((lease) => ((secondReady = true), lease));
      const other = await pool.acquire(database.url, 'job-b');
      expect(pool.usage()).toEqual({ databases: 1, leases: 2, size: 4, waiting: 1, forcedReleases: 0 });
      expect(secondReady).toBe(false);
      first.release();
      const lease = await second;
      expect(pool.usage()).toMatchObject({ leases: 2, waiting: 0 });
      lease.release();
      other.release();
      expect(pool.usage().leases).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('force-releases a lease past its TTL and closes its connection', async () => {
    let now = 0;
    const pool = new DatabasePool({ leaseTtlMs: 1_000, now: () => now });
    try {
      const lease = await pool.acquire(database.url, 'job-c');
      const pid = await lease.serverConnectionId();
      now = 1_500;
      expect(await pool.releaseExpired()).toBe(1);
      expect(pool.usage()).toMatchObject({ leases: 0, forcedReleases: 1 });
      await expect(lease.execute({ text: 'SELECT 1', values: [] })).rejects.toMatchObject({
        retryable: true,
      });
      const admin = new Client({ connectionString: database.url });
      await admin.connect();
      await eventually(async () =>
        (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0
          ? true
          : undefined,
      );
      await admin.end();
    } finally {
      await pool.close();
    }
  });
});

describe('resuming a db.execute step after a robot died inside it', () => {
  const workflow = (idempotencyKey?: string): Workflow => {
    const parsed = parseWorkflow({
      id: 'record-invoice',
      nodes: [
        {
          id: 'insert',
          type: 'db.execute',
          ...(idempotencyKey ? { idempotencyKey } : {}),
          params: {
            connection: '{{ secrets.erpDatabase }}',
            sql: 'INSERT INTO t VALUES (:a)',
            params: { a: 1 },
          },
        },
      ],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    return parsed.workflow;
  };
  const diedInside = new Map<string, StepRecord>([['insert', { status: 'started', attempt: 1 }]]);
  const plan = (wf: Workflow) =>
    createPlanner(wf, { variables: {}, secret: () => 'postgres://x@127.0.0.1/db' }).next(diedInside);

  it('parks the job for an operator when the node declares no idempotency key', () => {
    expect(plan(workflow())).toMatchObject({ kind: 'ambiguous', stepKey: 'insert' });
  });

  it('runs it again, with the key for the ledger, when the node declares one', () => {
    expect(plan(workflow('invoice-{{ 40 + 2 }}'))).toMatchObject({
      kind: 'run',
      step: { key: 'insert', idempotent: true, idempotencyKey: 'invoice-42' },
    });
  });

  it('refuses a connection written into the workflow instead of a secret reference', () => {
    const parsed = parseWorkflow({
      id: 'leaky',
      nodes: [
        {
          id: 'q',
          type: 'db.query',
          params: { connection: 'postgres://app:hunter2@db/erp', sql: 'SELECT 1' },
        },
      ],
    });
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.problems).toContainEqual({
      path: 'nodes[0].params.connection',
      message: expect.stringContaining('must be a secret reference'),
    });
  });
});
