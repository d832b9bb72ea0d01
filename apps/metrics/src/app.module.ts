import { Global, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { createReadModelDataSource } from '@aether/read-model';
import {
  HEALTH_CHECKS,
  HealthController,
  JetStreamModule,
  type HealthCheck,
  type Logger,
} from '@aether/service-kit';
import type { MetricsConfig } from './config';
import { PROJECTION_BATCH, ProjectionModule } from './projection/projection.module';
import { DATA_SOURCE } from './tokens';

class DataSourceLifecycle implements OnApplicationShutdown {
  constructor(private readonly ds: DataSource) {}
  async onApplicationShutdown() {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: MetricsConfig, logger: Logger): DynamicModule {
    return {
      module: MetricsModule,
      imports: [
        JetStreamModule.forRoot({ servers: config.NATS_URL, name: 'metrics', logger }),
        ProjectionModule,
      ],
      controllers: [HealthController],
      providers: [
        {
          provide: DATA_SOURCE,
          useFactory: async () => {
            const ds = createReadModelDataSource(config.DATABASE_URL, { poolSize: 4 });
            await ds.initialize();
            const ran = await ds.runMigrations();
            if (ran.length) logger.info({ migrations: ran.map((m) => m.name) }, 'migrations applied');
            return ds;
          },
        },
        {
          provide: DataSourceLifecycle,
          useFactory: (ds: DataSource) => new DataSourceLifecycle(ds),
          inject: [DATA_SOURCE],
        },
        { provide: PROJECTION_BATCH, useValue: config.PROJECTION_BATCH },
        {
          provide: HEALTH_CHECKS,
          useFactory: (ds: DataSource): HealthCheck[] => [
            { name: 'postgres', check: async () => void (await ds.query('SELECT 1')) },
          ],
          inject: [DATA_SOURCE],
        },
      ],
      exports: [DATA_SOURCE, PROJECTION_BATCH],
    };
  }
}
