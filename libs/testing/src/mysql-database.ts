import * as mysql from 'mysql2/promise';

const ADMIN_URL = process.env['TEST_MYSQL_ADMIN_URL'] ?? 'mysql://root@127.0.0.1:3306/';

/** A fresh MySQL/MariaDB database for one test suite, dropped afterwards. */
export interface TestMysqlDatabase {
  /** `mysql://…/<name>`, as a `db.*` node's connection secret holds it. */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

export async function createTestMysqlDatabase(prefix = 'aether_test'): Promise<TestMysqlDatabase> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await withAdmin((conn) => conn.query(`CREATE DATABASE \`${name}\``));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withAdmin((conn) => conn.query(`DROP DATABASE IF EXISTS \`${name}\``)),
  };
}

async function withAdmin(work: (conn: mysql.Connection) => Promise<unknown>): Promise<void> {
  const conn = await mysql.createConnection(ADMIN_URL);
  try {
    await work(conn);
  } finally {
    await conn.end();
  }
}
