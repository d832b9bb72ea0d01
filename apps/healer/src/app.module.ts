import { Module, type DynamicModule } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { STREAMS, type TenantId } from '@aether/contracts';
import { retireConsumer, type EventStore } from '@aether/event-store';
import {
  SHARED_FINGERPRINTS_BUCKET,
  deleteSharedFingerprintsBucket,
  ensureFingerprintsBucket,
} from '@aether/kv-state';
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
import {
  RETIRED_SELECTORS_DURABLE,
  SelectorKnowledge,
  selectorKnowledgeRoute,
} from './knowledge/selector-knowledge';
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
          useFactory: async (nc: NatsConnection, store: EventStore, jsm: JetStreamManager) => {
            // ADR 78: the tenants' buckets are filled again by a new durable replaying the events.
            await retireConsumer(jsm, STREAMS.events, RETIRED_SELECTORS_DURABLE);
            if (await deleteSharedFingerprintsBucket(jsm))
              logger.info({ bucket: SHARED_FINGERPRINTS_BUCKET }, 'deleted the shared fingerprints bucket');
            const settings = streamSettingsFrom(config);
            const buckets = new Map<TenantId, Promise<KV>>();
            return new SelectorKnowledge(store, (tenantId) => {
              let bucket = buckets.get(tenantId);
              if (!bucket) {
                bucket = ensureFingerprintsBucket(nc, tenantId, settings);
                // A failed open is tried again with the redelivered event.
                bucket.catch(() => buckets.delete(tenantId));
                buckets.set(tenantId, bucket);
              }
              return bucket;
            });
          },
          inject: [NATS_CONNECTION, EVENT_STORE, JETSTREAM_MANAGER],
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
