import {
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS } from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { onReconnect, openBucket } from '@aether/kv-state';
import {
  EVENT_STORE,
  HealthController,
  PrometheusController,
  JETSTREAM,
  JETSTREAM_MANAGER,
  JetStreamModule,
  streamSettingsFrom,
  LOGGER,
  NATS_CONNECTION,
  provideConsumers,
  type Logger,
} from '@aether/service-kit';
import type { SchedulerConfig } from './config';
import { requestJobRoute } from './jobs/request-job.handler';
import { CronScheduler } from './schedules/cron-scheduler';
import { QueueKeeper } from './queues/queue-keeper';
import { MailWatcher } from './mail/mail-watcher';
import { mailboxSecrets, openMailboxVault } from './mail/mailbox-secrets';

class CronLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly scheduler: CronScheduler) {}
  onApplicationBootstrap() {
    return this.scheduler.start();
  }
  beforeApplicationShutdown() {
    return this.scheduler.stop();
  }
}

class MailWatcherLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly watcher: MailWatcher) {}
  onApplicationBootstrap() {
    return this.watcher.start();
  }
  beforeApplicationShutdown() {
    return this.watcher.stop();
  }
}

class QueueKeeperLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly keeper: QueueKeeper) {}
  onApplicationBootstrap() {
    return this.keeper.start();
  }
  beforeApplicationShutdown() {
    return this.keeper.stop();
  }
}

@Module({})
export class SchedulerModule {
  static forRoot(config: SchedulerConfig, logger: Logger): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [
        JetStreamModule.forRoot({
          servers: config.NATS_URL,
          token: config.NATS_TOKEN,
          credsFile: config.NATS_CREDS_FILE,
          name: 'scheduler',
          logger,
          streams: streamSettingsFrom(config),
        }),
      ],
      controllers: [HealthController, PrometheusController],
      providers: [
        ...provideConsumers(
          (store: EventStore, log: Logger) => [requestJobRoute(store, log)],
          [EVENT_STORE, LOGGER],
        ),
        {
          provide: CronLifecycle,
          useFactory: async (
            nc: NatsConnection,
            store: EventStore,
            js: JetStreamClient,
            jsm: JetStreamManager,
            log: Logger,
          ) => {
            const scheduler = new CronScheduler(
              await openBucket(nc, KV_BUCKETS.schedules),
              store,
              js,
              jsm,
              { graceMs: config.MISFIRE_GRACE_MS, replicaId: config.REPLICA_ID },
              log,
            );
            onReconnect(nc, () => {
              scheduler
                .restart()
                .catch((error: unknown) => log.warn({ err: error }, 'reloading schedules failed'));
            });
            return new CronLifecycle(scheduler);
          },
          inject: [NATS_CONNECTION, EVENT_STORE, JETSTREAM, JETSTREAM_MANAGER, LOGGER],
        },
        {
          provide: MailWatcherLifecycle,
          useFactory: async (
            nc: NatsConnection,
            store: EventStore,
            js: JetStreamClient,
            jsm: JetStreamManager,
            log: Logger,
          ) =>
            new MailWatcherLifecycle(
              new MailWatcher(
                await openBucket(nc, KV_BUCKETS.mailTriggers),
                store,
                js,
                jsm,
                mailboxSecrets(await openMailboxVault(nc, config), process.env),
                {
                  pollMs: config.MAIL_POLL_MS,
                  replicaId: config.REPLICA_ID,
                  egress: config.MAIL_TRIGGER_EGRESS_ALLOW,
                },
                log,
              ),
            ),
          inject: [NATS_CONNECTION, EVENT_STORE, JETSTREAM, JETSTREAM_MANAGER, LOGGER],
        },
        {
          provide: QueueKeeperLifecycle,
          useFactory: (
            nc: NatsConnection,
            store: EventStore,
            js: JetStreamClient,
            jsm: JetStreamManager,
            log: Logger,
          ) =>
            new QueueKeeperLifecycle(
              new QueueKeeper(nc, js, jsm, store, { sweepMs: config.QUEUE_SWEEP_MS }, log),
            ),
          inject: [NATS_CONNECTION, EVENT_STORE, JETSTREAM, JETSTREAM_MANAGER, LOGGER],
        },
      ],
    };
  }
}
