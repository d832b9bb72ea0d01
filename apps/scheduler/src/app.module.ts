import { Module, type DynamicModule } from '@nestjs/common';
import type { EventStore } from '@aether/event-store';
import {
  EVENT_STORE,
  HealthController,
  JetStreamModule,
  LOGGER,
  provideConsumers,
  type Logger,
} from '@aether/service-kit';
import type { SchedulerConfig } from './config';
import { requestJobRoute } from './jobs/request-job.handler';

@Module({})
export class SchedulerModule {
  static forRoot(config: SchedulerConfig, logger: Logger): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [JetStreamModule.forRoot({ servers: config.NATS_URL, name: 'scheduler', logger })],
      controllers: [HealthController],
      providers: [
        ...provideConsumers(
          (store: EventStore, log: Logger) => [requestJobRoute(store, log)],
          [EVENT_STORE, LOGGER],
        ),
      ],
    };
  }
}
