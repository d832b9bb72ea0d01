import { Module, type DynamicModule } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS } from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { openBucket } from '@aether/kv-state';
import {
  EVENT_STORE,
  HealthController,
  JetStreamModule,
  NATS_CONNECTION,
  provideConsumers,
  type Logger,
} from '@aether/service-kit';
import type { ServiceConfig } from './config';
import { SelectorKnowledge, selectorKnowledgeRoute } from './knowledge/selector-knowledge';
import { ProposalWriter, healTelemetryRoute } from './proposals/proposal-writer';

@Module({})
export class HealerModule {
  static forRoot(config: ServiceConfig, logger: Logger): DynamicModule {
    return {
      module: HealerModule,
      imports: [JetStreamModule.forRoot({ servers: config.NATS_URL, name: 'healer', logger })],
      controllers: [HealthController],
      providers: [
        {
          provide: SelectorKnowledge,
          useFactory: async (nc: NatsConnection, store: EventStore) =>
            new SelectorKnowledge(store, await openBucket(nc, KV_BUCKETS.fingerprints)),
          inject: [NATS_CONNECTION, EVENT_STORE],
        },
        { provide: ProposalWriter, useFactory: (store: EventStore) => new ProposalWriter(store), inject: [EVENT_STORE] },
        ...provideConsumers(
          (knowledge: SelectorKnowledge, writer: ProposalWriter) => [
            selectorKnowledgeRoute(knowledge),
            healTelemetryRoute(writer),
          ],
          [SelectorKnowledge, ProposalWriter],
        ),
      ],
    };
  }
}
