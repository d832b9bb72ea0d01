import { Module, type DynamicModule } from '@nestjs/common';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { EventStore } from '@aether/event-store';
import {
  EVENT_STORE,
  HealthController,
  JETSTREAM,
  JetStreamModule,
  LOGGER,
  provideConsumers,
  type Logger,
} from '@aether/service-kit';
import type { DispatcherConfig } from './config';
import { dispatchJobRoute } from './jobs/dispatch-job.handler';

@Module({})
export class DispatcherModule {
  static forRoot(config: DispatcherConfig, logger: Logger): DynamicModule {
    return {
      module: DispatcherModule,
      imports: [JetStreamModule.forRoot({ servers: config.NATS_URL, name: 'dispatcher', logger })],
      controllers: [HealthController],
      providers: [
        ...provideConsumers(
          (store: EventStore, js: JetStreamClient, log: Logger) => [
            dispatchJobRoute(store, js, log, config.DEFAULT_POOL),
          ],
          [EVENT_STORE, JETSTREAM, LOGGER],
        ),
      ],
    };
  }
}
