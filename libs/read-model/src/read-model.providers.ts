import type { OnApplicationShutdown, Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { createReadModelDataSource } from './data-source';

/** Injection token of the read model's TypeORM DataSource. */
export const READ_MODEL_DATA_SOURCE = Symbol('READ_MODEL_DATA_SOURCE');

class DataSourceLifecycle implements OnApplicationShutdown {
  constructor(private readonly ds: DataSource) {}
  async onApplicationShutdown() {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

export interface ReadModelProviderOptions {
  url: string;
  poolSize: number;
  /** Runs pending migrations at start-up: only the service that owns the schema (metrics). */
  migrate?: boolean;
  onMigrated?: (names: string[]) => void;
}

/** The DataSource, initialised at start-up and closed on shutdown, for a Nest module. */
export function readModelProviders(options: ReadModelProviderOptions): Provider[] {
  return [
    {
      provide: READ_MODEL_DATA_SOURCE,
      useFactory: async () => {
        const ds = await createReadModelDataSource(options.url, { poolSize: options.poolSize }).initialize();
        if (options.migrate) {
          const ran = await ds.runMigrations();
          if (ran.length) options.onMigrated?.(ran.map((migration) => migration.name));
        }
        return ds;
      },
    },
    {
      provide: DataSourceLifecycle,
      useFactory: (ds: DataSource) => new DataSourceLifecycle(ds),
      inject: [READ_MODEL_DATA_SOURCE],
    },
  ];
}
