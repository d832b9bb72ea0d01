import { Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { EventStore } from '@aether/event-store';
import { JobProjection } from '@aether/read-model';
import { EVENT_STORE, LOGGER, METRICS_REGISTRY, type Logger } from '@aether/service-kit';
import type { Registry } from 'prom-client';
import { DATA_SOURCE } from '../tokens';
import { Projector, type ProjectionBatching } from './projector';

export const PROJECTION_BATCH = Symbol('PROJECTION_BATCH');

class ProjectorLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly projector: Projector) {}
  onApplicationBootstrap() {
    this.projector.start();
  }
  beforeApplicationShutdown() {
    return this.projector.stop();
  }
}

@Module({
  providers: [
    {
      provide: Projector,
      useFactory: (
        store: EventStore,
        ds: DataSource,
        logger: Logger,
        batching: ProjectionBatching,
        registry: Registry,
      ) => new Projector(store, new JobProjection(ds), logger, batching, registry),
      inject: [EVENT_STORE, DATA_SOURCE, LOGGER, PROJECTION_BATCH, METRICS_REGISTRY],
    },
    {
      provide: ProjectorLifecycle,
      useFactory: (p: Projector) => new ProjectorLifecycle(p),
      inject: [Projector],
    },
  ],
})
export class ProjectionModule {}
