import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ReadModelQueries, createReadModelDataSource } from '@aether/read-model';
import {
  HEALTH_CHECKS,
  HealthController,
  JetStreamModule,
  type HealthCheck,
  type Logger,
} from '@aether/service-kit';
import { DATA_SOURCE, READ_MODEL } from './common/tokens';
import type { GatewayConfig } from './config';
import { JobControlController } from './jobs/job-control.controller';
import { JobsController } from './jobs/jobs.controller';
import { WorkflowsController } from './workflows/workflows.controller';

class DataSourceLifecycle implements OnApplicationShutdown {
  constructor(private readonly ds: DataSource) {}
  async onApplicationShutdown() {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayModule,
      imports: [JetStreamModule.forRoot({ servers: config.NATS_URL, name: 'gateway', logger })],
      controllers: [HealthController, WorkflowsController, JobsController, JobControlController],
      providers: [
        {
          provide: DATA_SOURCE,
          useFactory: async () => {
            const ds = createReadModelDataSource(config.DATABASE_URL, { poolSize: 8 });
            return ds.initialize();
          },
        },
        {
          provide: DataSourceLifecycle,
          useFactory: (ds: DataSource) => new DataSourceLifecycle(ds),
          inject: [DATA_SOURCE],
        },
        {
          provide: READ_MODEL,
          useFactory: (ds: DataSource) => new ReadModelQueries(ds),
          inject: [DATA_SOURCE],
        },
        {
          provide: HEALTH_CHECKS,
          useFactory: (ds: DataSource): HealthCheck[] => [
            { name: 'postgres', check: async () => void (await ds.query('SELECT 1')) },
          ],
          inject: [DATA_SOURCE],
        },
      ],
    };
  }
}
