import { Module, type DynamicModule } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import { KV_BUCKETS, STREAMS } from '@aether/contracts';
import { retireConsumer, type EventStore } from '@aether/event-store';
import { openBucket } from '@aether/kv-state';
import {
  EVENT_STORE,
  HealthController,
  PrometheusController,
  JETSTREAM_MANAGER,
  JetStreamModule,
  streamSettingsFrom,
  NATS_CONNECTION,
  provideConsumers,
  type Logger,
} from '@aether/service-kit';
import type { ServiceConfig } from './config';
import { SelectorKnowledge, selectorKnowledgeRoute } from './knowledge/selector-knowledge';
import { ProposalWriter, RETIRED_HEALS_DURABLE, healReportsRoute } from './proposals/proposal-writer';

@Module({})
export class HealerModule {
  static forRoot(config: ServiceConfig, logger: Logger): DynamicModule {
    return {
      module: HealerModule,
      imports: [
        JetStreamModule.forRoot({
          servers: config.NATS_URL,
          token: config.NATS_TOKEN,
          credsFile: config.NATS_CREDS_FILE,
          name: 'healer',
          logger,
          streams: streamSettingsFrom(config),
        }),
      ],
      controllers: [HealthController, PrometheusController],
      providers: [
        {
          provide: SelectorKnowledge,
          useFactory: async (nc: NatsConnection, store: EventStore) =>
            new SelectorKnowledge(store, await openBucket(nc, KV_BUCKETS.fingerprints)),
          inject: [NATS_CONNECTION, EVENT_STORE],
        },
        {
          provide: ProposalWriter,
          useFactory: async (store: EventStore, jsm: JetStreamManager) => {
            await retireConsumer(jsm, STREAMS.events, RETIRED_HEALS_DURABLE);
            return new ProposalWriter(store);
          },
          inject: [EVENT_STORE, JETSTREAM_MANAGER],
        },
        ...provideConsumers(
          (knowledge: SelectorKnowledge, writer: ProposalWriter) => [
            selectorKnowledgeRoute(knowledge),
            healReportsRoute(writer),
          ],
          [SelectorKnowledge, ProposalWriter],
        ),
      ],
    };
  }
}
