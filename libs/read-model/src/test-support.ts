import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@aether/testing';
import { READ_MODEL_MIGRATIONS, createReadModelDataSource } from './data-source';

/** A suite's own PostgreSQL database with every read model migration applied, and a data source on it. */
export interface TestReadModel {
  readonly database: TestDatabase;
  readonly dataSource: DataSource;
  /** Closes the data source, then drops the database. */
  close(): Promise<void>;
}

/**
 * Creates a database for one integration suite and migrates it as the metrics service does
 * (`prefix` names it [aether_test], `poolSize` is the data source's [2]).
 */
export async function createTestReadModel(
  options: { readonly prefix?: string; readonly poolSize?: number } = {},
): Promise<TestReadModel> {
  const database = await createTestDatabase(options.prefix);
  const dataSource = createReadModelDataSource(database.url, { poolSize: options.poolSize ?? 2 });
  const close = async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.drop();
  };
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
  } catch (error) {
    await close();
    throw error;
  }
  return { database, dataSource, close };
}

/**
 * A data source on `url` that knows the first `count` read model migrations only: a migration's
 * spec migrates up to it, writes rows the old way, then migrates past it.
 */
export function migratedUpTo(url: string, count: number): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    migrations: READ_MODEL_MIGRATIONS.slice(0, count),
    migrationsTransactionMode: 'each',
  });
}
