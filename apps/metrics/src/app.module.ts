import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { readModelProviders } from '@aether/read-model';
import {
  HEALTH_CHECKS,
  HealthController,
  PrometheusController,
  JetStreamModule,
  streamSettingsFrom,
  type HealthCheck,
  type Logger,
} from '@aether/service-kit';
import type { MetricsConfig } from './config';
import { PROJECTION_BATCH, ProjectionModule } from './projection/projection.module';
import { DATA_SOURCE } from './tokens';

@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: MetricsConfig, logger: Logger): DynamicModule {
    return {
      module: MetricsModule,
      imports: [
        JetStreamModule.forRoot({
          servers: config.NATS_URL,
          token: config.NATS_TOKEN,
          credsFile: config.NATS_CREDS_FILE,
          name: 'metrics',
          logger,
          streams: streamSettingsFrom(config),
        }),
        ProjectionModule,
      ],
      controllers: [HealthController, PrometheusController],
      providers: [
        ...readModelProviders({
          url: config.DATABASE_URL,
          poolSize: 4,
          migrate: config.MIGRATE_ON_START,
          onMigrated: (migrations) => logger.info({ migrations }, 'migrations applied'),
        }),
        {
          provide: PROJECTION_BATCH,
          useValue: { maxEvents: config.PROJECTION_BATCH, lingerMs: config.PROJECTION_LINGER_MS },
        },
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
