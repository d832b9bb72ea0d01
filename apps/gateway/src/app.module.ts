import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EventStore } from '@aether/event-store';
import {
  HealingQueries,
  MetricsQueries,
  QueueQueries,
  ReadModelQueries,
  readModelProviders,
} from '@aether/read-model';
import {
  EVENT_STORE,
  HEALTH_CHECKS,
  HealthController,
  PrometheusController,
  JetStreamModule,
  NATS_CONNECTION,
  streamSettingsFrom,
  type HealthCheck,
  type Logger,
} from '@aether/service-kit';
import { AuthModule } from './auth/auth.module';
import { PROBLEM_LOGGER, ProblemDocumentFilter } from './common/problem.filter';
import { DATA_SOURCE, METRICS, QUEUE_METRICS, READ_MODEL, TRIGGER_KEYS } from './common/tokens';
import type { GatewayConfig } from './config';
import { JobControlController } from './jobs/job-control.controller';
import { JobCommandsService } from './jobs/job-commands.service';
import { JobsController } from './jobs/jobs.controller';
import { TriggerKeys } from './workflows/trigger-keys';
import { WorkflowsController } from './workflows/workflows.controller';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { DispatchPoliciesController } from './dispatch-policies/dispatch-policies.controller';
import { HooksController } from './hooks/hooks.controller';
import { RobotsController } from './robots/robots.controller';
import { MailTriggersController } from './mail-triggers/mail-triggers.controller';
import { SchedulesController } from './schedules/schedules.controller';
import { HealingController } from './healing/healing.controller';
import { QueuesController } from './queues/queues.controller';
import { MetricsController } from './metrics/metrics.controller';
import { JobArtifactsController } from './jobs/job-artifacts.controller';
import { QuarantineController } from './quarantine/quarantine.controller';
import { RobotPresenceMirror } from './robots/robot-presence';
import { RobotVitalsTrends } from './robots/robot-vitals';
import { SECRET_VAULT, SecretsController } from './secrets/secrets.controller';
import { SECRETS_LOGGER, SecretReadResponder } from './secrets/secret-read.responder';
import { openVault } from './secrets/vault';
import {
  ARTIFACTS_BUCKET_SETTINGS,
  RobotCredentialsController,
} from './robot-credentials/robot-credentials.controller';
import { robotCredentialsProviders } from './robot-credentials/robot-credentials.provider';
import { LIVE_LIMITS, LiveGateway } from './live/live.gateway';
import { OpenApiController } from './openapi/openapi.controller';
import { SUBSCRIPTIONS, SubscriptionsController } from './subscriptions/subscriptions.controller';
import {
  OUTBOUND_LOGGER,
  OUTBOUND_OPTIONS,
  OutboundDeliveryHost,
} from './subscriptions/outbound-delivery.host';
import type { LiveLimits } from './live/live-session';
import { Subscriptions, type DeliveryOptions } from '@aether/outbound';
import type { SecretVault } from '@aether/vault';

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        JetStreamModule.forRoot({
          servers: config.NATS_URL,
          token: config.NATS_TOKEN,
          credsFile: config.NATS_CREDS_FILE,
          name: 'gateway',
          logger,
          streams: streamSettingsFrom(config),
        }),
        AuthModule.forRoot(config, logger),
        DiscoveryModule,
      ],
      controllers: [
        HealthController,
        PrometheusController,
        WorkflowsController,
        JobsController,
        JobControlController,
        JobArtifactsController,
        RobotsController,
        DeadLettersController,
        SchedulesController,
        MailTriggersController,
        HooksController,
        DispatchPoliciesController,
        HealingController,
        QueuesController,
        QuarantineController,
        MetricsController,
        SecretsController,
        RobotCredentialsController,
        SubscriptionsController,
        OpenApiController,
      ],
      providers: [
        { provide: PROBLEM_LOGGER, useValue: logger },
        { provide: ARTIFACTS_BUCKET_SETTINGS, useValue: streamSettingsFrom(config) },
        { provide: APP_FILTER, useClass: ProblemDocumentFilter },
        JobCommandsService,
        ...readModelProviders({ url: config.DATABASE_URL, poolSize: 8 }),
        RobotPresenceMirror,
        RobotVitalsTrends,
        LiveGateway,
        {
          provide: LIVE_LIMITS,
          useValue: {
            maxBufferedBytes: config.LIVE_MAX_BUFFERED_BYTES,
            dropGraceMs: config.LIVE_DROP_GRACE_MS,
          } satisfies LiveLimits,
        },
        {
          provide: SECRET_VAULT,
          useFactory: (nc: NatsConnection) => openVault(nc, config, logger),
          inject: [NATS_CONNECTION],
        },
        { provide: SECRETS_LOGGER, useValue: logger },
        SecretReadResponder,
        {
          provide: SUBSCRIPTIONS,
          useFactory: (nc: NatsConnection, vault: SecretVault) =>
            Subscriptions.open(nc, vault, {
              allowHttpHosts: config.OUTBOUND_ALLOW_HTTP_HOSTS,
              egress: config.OUTBOUND_EGRESS_ALLOW,
              ackWaitMs: config.OUTBOUND_TIMEOUT_MS + 10_000,
            }),
          inject: [NATS_CONNECTION, SECRET_VAULT],
        },
        { provide: OUTBOUND_LOGGER, useValue: logger },
        {
          provide: OUTBOUND_OPTIONS,
          useValue: {
            timeoutMs: config.OUTBOUND_TIMEOUT_MS,
            maxAttempts: config.OUTBOUND_MAX_ATTEMPTS,
            backoff: { baseMs: config.OUTBOUND_BACKOFF_BASE_MS, capMs: config.OUTBOUND_BACKOFF_CAP_MS },
            egress: config.OUTBOUND_EGRESS_ALLOW,
          } satisfies DeliveryOptions,
        },
        OutboundDeliveryHost,
        ...robotCredentialsProviders(config),
        {
          provide: METRICS,
          useFactory: (ds: DataSource) => new MetricsQueries(ds),
          inject: [DATA_SOURCE],
        },
        {
          provide: QUEUE_METRICS,
          useFactory: (ds: DataSource) => new QueueQueries(ds),
          inject: [DATA_SOURCE],
        },
        {
          provide: READ_MODEL,
          useFactory: (ds: DataSource) => new ReadModelQueries(ds),
          inject: [DATA_SOURCE],
        },
        {
          provide: TRIGGER_KEYS,
          useFactory: (store: EventStore) => new TriggerKeys(store, config.IDEMPOTENCY_RETENTION_MS),
          inject: [EVENT_STORE],
        },
        {
          provide: HealingQueries,
          useFactory: (ds: DataSource) => new HealingQueries(ds),
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
