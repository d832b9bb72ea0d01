import { createHash } from 'node:crypto';
import type { NodeContext, NodeHandler, NodeOutput } from '../contract';
import { NodeError, NodeParamsError } from '../errors';
import { throwIfAborted } from '../shared/abort';
import { implement } from '../shared/define-handler';
import { dialectOf, type DatabaseLease, type DatabasePool, type SqlResult } from './database-pool';
import { compileNamedSql, type CompiledSql, type SqlDialect } from './named-params';

/** Options of the `db.*` nodes, given once to `createNodeHandlers`. */
export interface DatabaseNodeOptions {
  /** Where connections come from. Absent: `db.*` steps fail (terminal) on this robot. */
  readonly pool?: DatabasePool;
  /** A result whose JSON is larger fails the step (outputs go into events). Default 512 KiB. */
  readonly maxResultBytes?: number;
}

/** A result holds more rows or bytes than the step may record. Terminal: narrow the query. */
export class DatabaseResultTooLargeError extends NodeError {
  readonly code = 'DB_RESULT_TOO_LARGE';
  readonly retryable = false;
}

/** The table that makes `db.execute` with an idempotency key run once per job, step and key. */
export const LEDGER_TABLE = 'aether_step_ledger';

const DEFAULT_MAX_ROWS = 1_000;
const sql = (text: string, values: unknown[] = []): CompiledSql => ({ text, values });

const LEDGER_DDL: Record<SqlDialect, string> = {
  postgres: `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
    id char(64) PRIMARY KEY,
    tenant_id text NOT NULL,
    job_id text NOT NULL,
    step_key text NOT NULL,
    idempotency_key text NOT NULL,
    result text,
    applied_at timestamptz NOT NULL DEFAULT now())`,
  mysql: `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
    id CHAR(64) NOT NULL PRIMARY KEY,
    tenant_id VARCHAR(128) NOT NULL,
    job_id VARCHAR(255) NOT NULL,
    step_key VARCHAR(1024) NOT NULL,
    idempotency_key VARCHAR(1024) NOT NULL,
    result LONGTEXT,
    applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)) ENGINE=InnoDB`,
};

const BEGIN: Record<SqlDialect, { readOnly: string; readWrite: string }> = {
  postgres: { readOnly: 'BEGIN READ ONLY', readWrite: 'BEGIN' },
  mysql: { readOnly: 'START TRANSACTION READ ONLY', readWrite: 'START TRANSACTION' },
};

export function dbHandlers(options: DatabaseNodeOptions = {}): NodeHandler[] {
  const maxBytes = options.maxResultBytes ?? 512 * 1024;
  const acquire = async (connection: string, context: NodeContext): Promise<DatabaseLease> => {
    if (options.pool === undefined)
      throw new NodeParamsError('this robot has no database pool; db.* steps cannot run here');
    throwIfAborted(context.signal);
    return options.pool.acquire(connection, context.jobId, context.signal);
  };
  const bounded = (
    result: SqlResult,
    maxRows: number,
  ): { rows: Record<string, unknown>[]; columns: string[] } => {
    if (result.rows.length > maxRows)
      throw new DatabaseResultTooLargeError(
        `The statement returned more than ${maxRows} rows; add a LIMIT or raise maxRows`,
      );
    const rows = result.rows.map(jsonRow);
    const bytes = Buffer.byteLength(JSON.stringify(rows));
    if (bytes > maxBytes)
      throw new DatabaseResultTooLargeError(
        `The statement returned ${bytes} bytes of rows; at most ${maxBytes} fit in a step's output`,
      );
    return { rows, columns: result.columns };
  };

  return [
    implement(
      'db.query',
      async ({ connection, sql: text, params = {}, maxRows = DEFAULT_MAX_ROWS }, context) => {
        const dialect = dialectOf(connection);
        const statement = compileNamedSql(text, params, dialect);
        const lease = await acquire(connection, context);
        let destroy = true;
        try {
          // Declared idempotent, so replayed freely: the server holds it to reading.
          await lease.execute(sql(BEGIN[dialect].readOnly), { signal: context.signal });
          const result = await lease.execute(statement, { maxRows, signal: context.signal });
          if (result.rows.length > maxRows) bounded(result, maxRows);
          await lease.execute(sql('ROLLBACK'));
          const { rows, columns } = bounded(result, maxRows);
          destroy = false;
          return { rows, count: rows.length, columns };
        } finally {
          lease.release(destroy);
        }
      },
    ),

    implement(
      'db.execute',
      async ({ connection, sql: text, params = {}, maxRows = DEFAULT_MAX_ROWS }, context) => {
        const dialect = dialectOf(connection);
        const statement = compileNamedSql(text, params, dialect);
        const lease = await acquire(connection, context);
        let destroy = true;
        try {
          const key = context.idempotencyKey;
          if (key === undefined) {
            const output = summary(
              await lease.execute(statement, { signal: context.signal }),
              bounded,
              maxRows,
            );
            destroy = false;
            return { ...output, alreadyApplied: false };
          }
          const pool = options.pool as DatabasePool;
          await pool.ensureOnce(lease, () => createLedger(lease));
          const id = ledgerId(context, key);
          await lease.execute(sql(BEGIN[dialect].readWrite), { signal: context.signal });
          // Claimed in the statement's own transaction: both commit, or neither does.
          const claim =
            dialect === 'postgres'
              ? sql(
                  `INSERT INTO ${LEDGER_TABLE} (id, tenant_id, job_id, step_key, idempotency_key) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
                  [id, context.tenantId, context.jobId, context.stepKey, key],
                )
              : sql(
                  `INSERT IGNORE INTO ${LEDGER_TABLE} (id, tenant_id, job_id, step_key, idempotency_key) VALUES (?, ?, ?, ?, ?)`,
                  [id, context.tenantId, context.jobId, context.stepKey, key],
                );
          const claimed = await lease.execute(claim, { signal: context.signal });
          if (claimed.affectedRows === 0) {
            const previous = await lease.execute(
              sql(`SELECT result FROM ${LEDGER_TABLE} WHERE id = ${dialect === 'postgres' ? '$1' : '?'}`, [
                id,
              ]),
              { signal: context.signal },
            );
            await lease.execute(sql('ROLLBACK'));
            destroy = false;
            context.log.info('db.execute already applied under this idempotency key; not run again', {
              databaseKey: lease.databaseKey,
            });
            const recorded = previous.rows[0]?.['result'];
            return {
              ...(typeof recorded === 'string' ? (JSON.parse(recorded) as NodeOutput) : {}),
              alreadyApplied: true,
            };
          }
          const output = summary(
            await lease.execute(statement, { signal: context.signal }),
            bounded,
            maxRows,
          );
          await lease.execute(
            sql(
              `UPDATE ${LEDGER_TABLE} SET result = ${dialect === 'postgres' ? '$1' : '?'} WHERE id = ${dialect === 'postgres' ? '$2' : '?'}`,
              [JSON.stringify(output), id],
            ),
            { signal: context.signal },
          );
          await lease.execute(sql('COMMIT'));
          destroy = false;
          return { ...output, alreadyApplied: false };
        } finally {
          lease.release(destroy);
        }
      },
    ),
  ];
}

function summary(
  result: SqlResult,
  bounded: (result: SqlResult, maxRows: number) => { rows: Record<string, unknown>[] },
  maxRows: number,
): { affectedRows: number; rows: Record<string, unknown>[] } {
  return { affectedRows: result.affectedRows, rows: bounded(result, maxRows).rows };
}

async function createLedger(lease: DatabaseLease): Promise<void> {
  try {
    await lease.execute(sql(LEDGER_DDL[lease.dialect]));
  } catch (error) {
    // Two robots creating it at once: PostgreSQL may report the other's catalog row.
    if ((error as { sqlCode?: string }).sqlCode === '23505') return;
    throw error;
  }
}

function ledgerId(context: NodeContext, key: string): string {
  return createHash('sha256')
    .update(JSON.stringify([context.tenantId, context.jobId, context.stepKey, key]))
    .digest('hex');
}

/** A row as JSON: instants as ISO strings, bytes as base64, big integers as strings. */
function jsonRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) out[column] = jsonValue(value);
  return out;
}

function jsonValue(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return value.toString();
  return value;
}
