import { readFileSync } from 'node:fs';
import {
  Global,
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  DEFAULT_STREAM_SETTINGS,
  EventStore,
  connectNats,
  serveEventReads,
  ensureStreams,
  streamConfigs,
  type StreamReconciliation,
  type StreamSettings,
} from '@aether/event-store';
import { STREAMS, subjects } from '@aether/contracts';
import { ensureBuckets } from '@aether/kv-state';
import { shutdownTelemetry, tracedJetStream } from '@aether/telemetry';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ConsumerHost, type ConsumerRoute } from './consumer-host';
import { serviceMetricsRegistry } from './metrics';
import { provisionWhenJetStreamAnswers } from './provision';
import {
  CONSUMER_ROUTES,
  EVENT_STORE,
  JETSTREAM,
  JETSTREAM_MANAGER,
  LOGGER,
  METRICS_REGISTRY,
  NATS_CONNECTION,
} from './tokens';

export interface JetStreamModuleOptions {
  servers: string;
  /** The servers' token, when they require one. */
  token?: string;
  /** The service's `.creds` file (ADR 38), where the servers require credentials. */
  credsFile?: string;
  /** Where replies arrive; a robot's credentials let it subscribe only under its own (ADR 38). */
  inboxPrefix?: string;
  /**
   * Create or reconcile the streams and buckets at start (default). A robot runs with
   * least-privilege credentials that may not: it only binds to what the services made.
   */
  provision?: boolean;
  /** Connection name, e.g. the service name. */
  name: string;
  logger: Logger;
  /** Replicas, placement and limits of the streams and buckets (`streamSettingsFrom(config)`). */
  streams?: Partial<StreamSettings>;
}

@Injectable()
class NatsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}
  async onApplicationShutdown() {
    if (!this.nc.isClosed()) await this.nc.drain();
    await shutdownTelemetry(); // the spans of the last messages are sent before the process goes
  }
}

/** How long a starting service waits for JetStream to answer its provisioning before it exits. */
const PROVISION_TIMEOUT_MS = 60_000;

/**
 * Connects to NATS, creates the streams as code, and offers JetStream, the event store and the
 * service's metrics registry to every module.
 */
@Global()
@Module({})
export class JetStreamModule {
  static forRoot(options: JetStreamModuleOptions): DynamicModule {
    // A service with its own credentials may subscribe only under its own inbox (ADR 85).
    const inboxPrefix =
      options.inboxPrefix ?? (options.credsFile ? subjects.serviceInbox(options.name) : undefined);
    const providers: Provider[] = [
      { provide: LOGGER, useValue: options.logger },
      { provide: METRICS_REGISTRY, useFactory: serviceMetricsRegistry },
      {
        provide: NATS_CONNECTION,
        useFactory: async () => {
          const nc = await connectNats({
            servers: options.servers,
            name: options.name,
            ...(options.token ? { token: options.token } : {}),
            ...(options.credsFile ? { creds: readFileSync(options.credsFile, 'utf8') } : {}),
            ...(inboxPrefix ? { inboxPrefix } : {}),
          });
          void logStatus(nc, options.logger);
          if (options.provision === false) return nc;
          const settings = { ...DEFAULT_STREAM_SETTINGS, ...options.streams };
          const jsm = await provisionWhenJetStreamAnswers(
            async () => {
              const manager = await jetstreamManager(nc);
              logReconciliation(options.logger, [
                ...(await ensureStreams(manager, streamConfigs(settings))),
                ...(await ensureBuckets(nc, settings)),
              ]);
              return manager;
            },
            { timeoutMs: PROVISION_TIMEOUT_MS, logger: options.logger },
          );
          // Robots read their tenant's histories through the services (ADR 77): each one answers.
          serveEventReads(nc, jsm, (error, subject) =>
            options.logger.error({ err: error, subject }, 'an event read failed'),
          );
          return nc;
        },
      },
      {
        provide: JETSTREAM,
        useFactory: (nc: NatsConnection) => tracedJetStream(jetstream(nc)),
        inject: [NATS_CONNECTION],
      },
      {
        provide: JETSTREAM_MANAGER,
        useFactory: (nc: NatsConnection) => jetstreamManager(nc),
        inject: [NATS_CONNECTION],
      },
      {
        provide: EVENT_STORE,
        // A connection that may not provision (a robot's) may neither direct-get by sequence nor
        // create consumers on EVENTS: it reads through the services (ADR 77). Appends in flight
        // across a reconnect are sent again at once (ADR 113).
        useFactory: (nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager) =>
          new EventStore(js, jsm, STREAMS.events, {
            connection: nc,
            ...(options.provision === false ? { readThrough: nc } : {}),
          }),
        inject: [NATS_CONNECTION, JETSTREAM, JETSTREAM_MANAGER],
      },
      NatsLifecycle,
    ];
    return {
      module: JetStreamModule,
      providers,
      exports: [LOGGER, METRICS_REGISTRY, NATS_CONNECTION, JETSTREAM, JETSTREAM_MANAGER, EVENT_STORE],
    };
  }
}

function logReconciliation(logger: Logger, reports: readonly StreamReconciliation[]) {
  for (const report of reports) {
    if (report.outcome === 'updated')
      logger.info({ stream: report.stream, changed: report.changed }, `stream ${report.stream} updated`);
    if (report.outcome === 'refused')
      logger.error(
        { stream: report.stream, changed: report.changed, reason: report.reason },
        `stream ${report.stream} differs from its configuration and was left as it is: ${report.reason}`,
      );
  }
}

async function logStatus(nc: NatsConnection, logger: Logger) {
  for await (const status of nc.status()) {
    if (status.type === 'disconnect' || status.type === 'reconnect')
      logger.warn({ nats: status.type }, `nats ${status.type}`);
  }
}

/** Starts the service's routing table after bootstrap and drains it first on shutdown. */
@Injectable()
export class ConsumerHostService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly host: ConsumerHost;
  constructor(
    @Inject(JETSTREAM) js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) jsm: JetStreamManager,
    @Inject(LOGGER) logger: Logger,
    @Inject(CONSUMER_ROUTES) private readonly routes: readonly ConsumerRoute[],
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    this.host = new ConsumerHost(js, jsm, logger, metrics);
  }
  onApplicationBootstrap() {
    return this.host.start(this.routes);
  }
  beforeApplicationShutdown() {
    return this.host.stop();
  }
}

/** Providers for a service's consumers: `provideConsumers((a, b) => [routeA(a), routeB(b)], [A, B])`. */
export function provideConsumers<TDeps extends unknown[]>(
  factory: (...deps: TDeps) => readonly ConsumerRoute[],
  inject: unknown[] = [],
): Provider[] {
  return [
    {
      provide: CONSUMER_ROUTES,
      useFactory: factory as (...args: unknown[]) => ConsumerRoute[],
      inject: inject as never[],
    },
    ConsumerHostService,
  ];
}
