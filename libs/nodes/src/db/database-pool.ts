import { createHash } from 'node:crypto';
import * as mysql from 'mysql2/promise';
import { Pool as PgPool, types as pgTypes, type PoolClient } from 'pg';
import Cursor from 'pg-cursor';
import type { EgressPolicy, Resolver } from '@aether/egress';
import type { NodeLogger } from '../contract';
import { NodeError, NodeParamsError } from '../errors';
import { robotSocket } from '../http/egress';
import { abortedError } from '../shared/abort';
import type { CompiledSql, SqlDialect } from './named-params';

export interface DatabasePoolOptions {
  /** Connections open at once to one database (one connection string). Default `4`. */
  readonly maxConnectionsPerDatabase?: number;
  /** Connections one job holds at once across databases; further `acquire` calls of the job wait. Default `2`. */
  readonly maxConnectionsPerJob?: number;
  /** A lease not released for this long is force-released and its connection closed, in ms. Default 10 minutes. */
  readonly leaseTtlMs?: number;
  /** How long an idle connection stays open, in ms. Default `30000`. */
  readonly idleTimeoutMs?: number;
  /** How long connecting may take, in ms. Default `10000`. */
  readonly connectTimeoutMs?: number;
  /** How often expired leases are looked for, in ms. Default `5000`. */
  readonly sweepIntervalMs?: number;
  readonly log?: NodeLogger;
  /** Where connections may go, checked on the host and, after DNS, on the address connected to (ADR 69). Default: anywhere. */
  readonly egress?: EgressPolicy;
  /** How the egress guard resolves names. Default: the system resolver. */
  readonly resolve?: Resolver;
  /** Clock for lease expiry, in ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** Numbers for the robot's heartbeat and status page. */
export interface DatabasePoolUsage {
  /** Databases (connection strings) with a pool. */
  readonly databases: number;
  /** Connections leased to steps now. */
  readonly leases: number;
  /** Connections the pools may open in all: databases × maxConnectionsPerDatabase. */
  readonly size: number;
  /** `acquire` calls waiting for their job's quota. */
  readonly waiting: number;
  readonly forcedReleases: number;
}

/** What a statement gave back: rows (JSON-ready), their column names, and the rows it changed. */
export interface SqlResult {
  readonly rows: Record<string, unknown>[];
  readonly columns: string[];
  readonly affectedRows: number;
}

/** One step's hold on one database connection. */
export interface DatabaseLease {
  readonly dialect: SqlDialect;
  /** Stable per connection string (a hash; the string itself is a secret). */
  readonly databaseKey: string;
  /**
   * Runs one statement. With `maxRows`, at most `maxRows + 1` rows are read (a cursor on
   * PostgreSQL, a row stream on MySQL) and the caller decides what the extra row means.
   */
  execute(sql: CompiledSql, options?: { maxRows?: number; signal?: AbortSignal }): Promise<SqlResult>;
  /** The server's id of this connection (PostgreSQL backend pid, MySQL connection id). */
  serverConnectionId(): Promise<number>;
  /** Returns the connection to its pool; with `destroy`, closes it (an open transaction rolls back). */
  release(destroy?: boolean): void;
}

/**
 * A statement or connection failed. Retryable when another attempt may succeed: the
 * connection was lost or refused, a deadlock or serialization failure, a lock wait timeout.
 * Terminal for what the statement itself got wrong (syntax, constraints, permissions).
 */
export class DatabaseError extends NodeError {
  readonly code = 'DATABASE_ERROR';
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The server's error code: SQLSTATE on PostgreSQL, the error name on MySQL. */
    readonly sqlCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const RETRYABLE_SQLSTATE = /^(08|57P0|40001|40P01|53300|55P03)/;
const RETRYABLE_MYSQL = new Set([
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
]);
const RETRYABLE_NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** The dialect a connection string speaks, by its scheme. */
export function dialectOf(connection: string): SqlDialect {
  const scheme = /^([a-z0-9+]+):\/\//i.exec(connection)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql';
  throw new NodeParamsError(
    'connection: expected a postgres://, postgresql://, mysql:// or mariadb:// connection string',
  );
}

/** Removes the connection string and its password from a message. */
export function redact(message: string, connection: string): string {
  let out = message.split(connection).join('***');
  try {
    const password = decodeURIComponent(new URL(connection).password);
    if (password.length >= 3) out = out.split(password).join('***');
  } catch {
    // Not a URL: only the whole string is removed.
  }
  return out;
}

interface Database {
  readonly key: string;
  readonly dialect: SqlDialect;
  connect(): Promise<Connection>;
  end(): Promise<void>;
  /** Set once `aether_step_ledger` is known to exist there. */
  ledger?: Promise<void>;
}

interface Connection {
  execute(sql: CompiledSql, maxRows: number | undefined, signal: AbortSignal | undefined): Promise<SqlResult>;
  serverConnectionId(): Promise<number>;
  release(destroy: boolean): void;
}

const PG_DATE = 1082;

class Lease implements DatabaseLease {
  expiresAt: number;
  #released = false;

  constructor(
    readonly jobId: string,
    readonly database: Database,
    private readonly connection: Connection,
    private readonly secret: string,
    private readonly pool: DatabasePool,
    ttlMs: number,
    now: () => number,
  ) {
    this.expiresAt = now() + ttlMs;
  }

  get dialect(): SqlDialect {
    return this.database.dialect;
  }

  get databaseKey(): string {
    return this.database.key;
  }

  get released(): boolean {
    return this.#released;
  }

  async execute(
    sql: CompiledSql,
    options: { maxRows?: number; signal?: AbortSignal } = {},
  ): Promise<SqlResult> {
    if (this.#released) throw new DatabaseError('The database lease was already released', true, undefined);
    try {
      return await this.connection.execute(sql, options.maxRows, options.signal);
    } catch (error) {
      if (options.signal?.aborted) {
        // The statement may still run on the server: the connection goes, and its transaction with it.
        this.release(true);
        throw abortedError(options.signal);
      }
      throw toDatabaseError(error, this.dialect, this.secret);
    }
  }

  serverConnectionId(): Promise<number> {
    return this.connection.serverConnectionId();
  }

  release(destroy = false): void {
    if (this.#released) return;
    this.#released = true;
    this.connection.release(destroy);
    this.pool.forget(this);
  }
}

/**
 * The robot's database connections: one pool per connection string (keyed by its hash),
 * created on first use, with a per-job quota and a lease TTL, like the browser pool.
 */
export class DatabasePool {
  readonly #databases = new Map<string, Database>();
  readonly #leases = new Set<Lease>();
  readonly #watched = new WeakSet<object>();
  readonly #perJob = new Map<string, number>();
  readonly #waiters: { jobId: string; resolve: () => void }[] = [];
  readonly #options: Required<Omit<DatabasePoolOptions, 'log' | 'egress' | 'resolve'>> &
    Pick<DatabasePoolOptions, 'log' | 'egress' | 'resolve'>;
  readonly #sweeper: NodeJS.Timeout;
  #forcedReleases = 0;
  #closed = false;

  constructor(options: DatabasePoolOptions = {}) {
    this.#options = {
      maxConnectionsPerDatabase: options.maxConnectionsPerDatabase ?? 4,
      maxConnectionsPerJob: options.maxConnectionsPerJob ?? 2,
      leaseTtlMs: options.leaseTtlMs ?? 10 * 60_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      sweepIntervalMs: options.sweepIntervalMs ?? 5_000,
      now: options.now ?? Date.now,
      log: options.log,
      egress: options.egress,
      resolve: options.resolve,
    };
    this.#sweeper = setInterval(() => void this.releaseExpired(), this.#options.sweepIntervalMs);
    this.#sweeper.unref();
  }

  /** A connection to the database of `connection` for one step of `jobId`, within the job's quota. */
  async acquire(connection: string, jobId: string, signal?: AbortSignal): Promise<DatabaseLease> {
    if (this.#closed) throw new DatabaseError('The database pool is closed', true, undefined);
    const database = this.database(connection);
    await this.takeJobSlot(jobId, signal);
    try {
      const opened = database.connect();
      const conn = await raceSignal(opened, signal, (late) => late.release(false));
      if (this.#closed) {
        conn.release(true);
        throw new DatabaseError('The database pool is closed', true, undefined);
      }
      const lease = new Lease(
        jobId,
        database,
        conn,
        connection,
        this,
        this.#options.leaseTtlMs,
        this.#options.now,
      );
      this.#leases.add(lease);
      return lease;
    } catch (error) {
      this.freeJobSlot(jobId);
      if (signal?.aborted) throw abortedError(signal);
      throw toDatabaseError(error, database.dialect, connection);
    }
  }

  /** Runs `work` once per database: the first caller creates the ledger table, the others wait for it. */
  ensureOnce(lease: DatabaseLease, work: () => Promise<void>): Promise<void> {
    const database = this.#databases.get(lease.databaseKey);
    if (database === undefined) return work();
    database.ledger ??= work().catch((error: unknown) => {
      database.ledger = undefined;
      throw error;
    });
    return database.ledger;
  }

  /** Force-releases (and closes) every lease past its expiry; the sweeper calls this on its interval. */
  async releaseExpired(): Promise<number> {
    const now = this.#options.now();
    const expired = [...this.#leases].filter((lease) => lease.expiresAt <= now);
    for (const lease of expired) {
      this.#forcedReleases++;
      this.#options.log?.warn('database lease expired; closing its connection', { jobId: lease.jobId });
      lease.release(true);
    }
    return expired.length;
  }

  usage(): DatabasePoolUsage {
    return {
      databases: this.#databases.size,
      leases: this.#leases.size,
      size: this.#databases.size * this.#options.maxConnectionsPerDatabase,
      waiting: this.#waiters.length,
      forcedReleases: this.#forcedReleases,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const lease of [...this.#leases]) lease.release(true);
    await Promise.allSettled([...this.#databases.values()].map((database) => database.end()));
    this.#databases.clear();
  }

  /** @internal Called by a lease when it is released. */
  forget(lease: Lease): void {
    if (!this.#leases.delete(lease)) return;
    this.freeJobSlot(lease.jobId);
  }

  private database(connection: string): Database {
    const dialect = dialectOf(connection);
    const key = createHash('sha256').update(connection).digest('hex').slice(0, 16);
    let database = this.#databases.get(key);
    if (database === undefined) {
      database = dialect === 'postgres' ? this.postgres(key, connection) : this.mysql(key, connection);
      this.#databases.set(key, database);
    }
    return database;
  }

  private postgres(key: string, connectionString: string): Database {
    const { egress, resolve } = this.#options;
    const pool = new PgPool({
      connectionString,
      ...(egress ? { stream: () => robotSocket(egress, resolve) } : {}),
      max: this.#options.maxConnectionsPerDatabase,
      idleTimeoutMillis: this.#options.idleTimeoutMs,
      connectionTimeoutMillis: this.#options.connectTimeoutMs,
      // A DATE is a day, not an instant: keep it as `yyyy-mm-dd` instead of local midnight.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === PG_DATE ? (value: string) => value : pgTypes.getTypeParser(oid, format)) as never,
      },
    });
    // An idle connection the server closed must not crash the robot.
    pool.on('error', (error) =>
      this.#options.log?.warn('idle database connection failed', {
        error: redact(error.message, connectionString),
      }),
    );
    return {
      key,
      dialect: 'postgres',
      end: () => pool.end(),
      connect: async () => {
        const client = await pool.connect();
        this.watch(client, connectionString);
        return {
          execute: (sql, maxRows, signal) => pgExecute(client, sql, maxRows, signal),
          serverConnectionId: async () =>
            (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid,
          release: (destroy) => client.release(destroy ? true : undefined),
        };
      },
    };
  }

  private mysql(key: string, connection: string): Database {
    const uri = connection.replace(/^mariadb:/i, 'mysql:');
    const { egress, resolve } = this.#options;
    const pool = mysql.createPool({
      uri,
      ...(egress
        ? {
            stream: ({ config }: { config: { host?: string; port?: number } }) =>
              robotSocket(egress, resolve).connect(config.port ?? 3306, config.host ?? 'localhost'),
          }
        : {}),
      connectionLimit: this.#options.maxConnectionsPerDatabase,
      maxIdle: this.#options.maxConnectionsPerDatabase,
      idleTimeout: this.#options.idleTimeoutMs,
      connectTimeout: this.#options.connectTimeoutMs,
      waitForConnections: true,
      // Instants in UTC; DATE as `yyyy-mm-dd`; DECIMAL and BIGINT as exact strings.
      timezone: 'Z',
      dateStrings: ['DATE'],
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
    return {
      key,
      dialect: 'mysql',
      end: () => pool.end(),
      connect: async () => {
        const conn = await pool.getConnection();
        this.watch((conn as unknown as { connection: NodeJS.EventEmitter }).connection, connection);
        return {
          execute: (sql, maxRows, signal) => mysqlExecute(conn, sql, maxRows, signal),
          serverConnectionId: async () => conn.threadId,
          release: (destroy) => (destroy ? conn.destroy() : conn.release()),
        };
      },
    };
  }

  /**
   * A connection lost while leased fails its statement; the `error` event itself must not
   * crash the robot. One listener per connection, kept for its life.
   */
  private watch(emitter: NodeJS.EventEmitter, connection: string): void {
    if (this.#watched.has(emitter)) return;
    this.#watched.add(emitter);
    emitter.on('error', (error: Error) =>
      this.#options.log?.warn('database connection failed', { error: redact(error.message, connection) }),
    );
  }

  private takeJobSlot(jobId: string, signal: AbortSignal | undefined): Promise<void> {
    const held = this.#perJob.get(jobId) ?? 0;
    if (held < this.#options.maxConnectionsPerJob) {
      this.#perJob.set(jobId, held + 1);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        jobId,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(abortedError(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  private freeJobSlot(jobId: string): void {
    // The slot passes straight to the job's next waiter, so its count stays.
    const index = this.#waiters.findIndex((waiter) => waiter.jobId === jobId);
    if (index >= 0) {
      this.#waiters.splice(index, 1)[0].resolve();
      return;
    }
    const held = (this.#perJob.get(jobId) ?? 1) - 1;
    if (held <= 0) this.#perJob.delete(jobId);
    else this.#perJob.set(jobId, held);
  }
}

async function pgExecute(
  client: PoolClient,
  sql: CompiledSql,
  maxRows: number | undefined,
  signal: AbortSignal | undefined,
): Promise<SqlResult> {
  if (maxRows === undefined) {
    const result = await raceSignal(client.query({ text: sql.text, values: sql.values }), signal);
    return {
      rows: result.rows ?? [],
      columns: (result.fields ?? []).map((field) => field.name),
      affectedRows: result.rowCount ?? 0,
    };
  }
  const cursor = client.query(new Cursor(sql.text, sql.values));
  try {
    const rows = await raceSignal(cursor.read(maxRows + 1), signal);
    const fields = (
      cursor as unknown as { _result?: { fields?: { name: string }[]; rowCount?: number | null } }
    )._result;
    return {
      rows,
      columns: (fields?.fields ?? []).map((field) => field.name),
      affectedRows: fields?.rowCount ?? 0,
    };
  } finally {
    if (!signal?.aborted) await cursor.close();
  }
}

async function mysqlExecute(
  conn: mysql.PoolConnection,
  sql: CompiledSql,
  maxRows: number | undefined,
  signal: AbortSignal | undefined,
): Promise<SqlResult> {
  if (maxRows === undefined) {
    const [result, fields] = await raceSignal(conn.query({ sql: sql.text, values: sql.values }), signal);
    if (Array.isArray(result))
      return {
        rows: result as Record<string, unknown>[],
        columns: (fields ?? []).map((field) => field.name),
        affectedRows: 0,
      };
    return { rows: [], columns: [], affectedRows: (result as mysql.ResultSetHeader).affectedRows };
  }
  // The core connection streams rows; past maxRows + 1 the connection is closed instead of read to the end.
  const core = (conn as unknown as { connection: MysqlCoreConnection }).connection;
  return raceSignal(
    new Promise<SqlResult>((resolve, reject) => {
      const rows: Record<string, unknown>[] = [];
      let columns: string[] = [];
      let done = false;
      const query = core.query({ sql: sql.text, values: sql.values });
      query.on('fields', (fields: { name: string }[]) => (columns = fields.map((field) => field.name)));
      query.on('result', (row: Record<string, unknown>) => {
        if (done) return;
        rows.push(row);
        if (rows.length > maxRows) {
          done = true;
          conn.destroy();
          resolve({ rows, columns, affectedRows: 0 });
        }
      });
      query.on('error', (error: unknown) => (done ? undefined : ((done = true), reject(error))));
      query.on('end', () =>
        done ? undefined : ((done = true), resolve({ rows, columns, affectedRows: 0 })),
      );
    }),
    signal,
  );
}

interface MysqlCoreConnection {
  query(options: { sql: string; values: unknown[] }): NodeJS.EventEmitter;
}

/** Settles with `work`, or rejects when `signal` fires; a late result is handed to `late` to clean up. */
function raceSignal<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  late?: (value: T) => void,
): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.then(
        (value) => late?.(value),
        () => undefined,
      );
      reject(abortedError(signal));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A driver failure as a `DatabaseError`, its message cleared of the connection string and password. */
export function toDatabaseError(error: unknown, dialect: SqlDialect, connection: string): NodeError {
  if (error instanceof NodeError) return error;
  const e = error as { message?: string; code?: string; errno?: number; sqlState?: string };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const retryable =
    (code !== undefined && RETRYABLE_NETWORK.has(code)) ||
    (dialect === 'postgres'
      ? code !== undefined && RETRYABLE_SQLSTATE.test(code)
      : code !== undefined && RETRYABLE_MYSQL.has(code)) ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(e.message ?? '');
  const name = dialect === 'postgres' ? 'PostgreSQL' : 'MySQL';
  return new DatabaseError(
    `${name}${code ? ` ${code}` : ''}: ${redact(String(e.message ?? error), connection)}`,
    retryable,
    code,
    { cause: error },
  );
}
