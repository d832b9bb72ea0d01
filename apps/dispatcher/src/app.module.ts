import {
  Controller,
  Get,
  Inject,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EventStore } from '@aether/event-store';
import {
  EVENT_STORE,
  HEALTH_CHECKS,
  HealthController,
  PrometheusController,
  JETSTREAM,
  JETSTREAM_MANAGER,
  JetStreamModule,
  streamSettingsFrom,
  LOGGER,
  METRICS_REGISTRY,
  NATS_CONNECTION,
  type HealthCheck,
  type Logger,
} from '@aether/service-kit';
import type { DispatcherConfig } from './config';
import { onReconnect } from '@aether/kv-state';
import { TraceOrigins } from '@aether/telemetry';
import type { Registry } from 'prom-client';
import { registerDispatcherMetrics } from './dispatcher-metrics';
import { FleetView, dispatcherPorts } from './fleet/dispatcher-ports';
import { Dispatcher } from './jobs/dispatcher';
import { JobFeed } from './jobs/job-feed';
import { stallLimits } from './placement/stall-limits';
import { WorkflowDurationCache } from './placement/workflow-duration-cache';
import { NodeDurations, WorkflowDurations, createReadModelDataSource } from '@aether/read-model';
import type { DataSource } from 'typeorm';

/** Wires the dispatcher to its feed and KV views; the reconcile timer also saves the replay checkpoint. */
class DispatcherService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  dispatcher?: Dispatcher;
  private feed?: JobFeed;
  private view?: FleetView;
  private timer?: NodeJS.Timeout;
  private lastSaved = 0;
  private durations?: WorkflowDurationCache;
  private dataSource?: DataSource;
  /** Each open job's trace, so its placements are spans of it. */
  private readonly origins = new TraceOrigins();

  constructor(
    private readonly nc: NatsConnection,
    private readonly store: EventStore,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly logger: Logger,
    private readonly config: DispatcherConfig,
  ) {}

  async onApplicationBootstrap() {
    // The views call back into the dispatcher, which needs the views: tie the knot through `this`.
    const view = await FleetView.open(this.nc, this.logger, {
      robotsChanged: (robotId, gone) =>
        gone ? this.dispatcher?.robotGone(robotId) : this.dispatcher?.kick(),
      somethingChanged: () => this.dispatcher?.kick(),
    });
    const durations = await this.workflowDurations();
    const dispatcher = new Dispatcher(
      dispatcherPorts(this.store, this.js, this.jsm, view, this.origins, durations),
      {
        retryDelaysMs: this.config.RETRY_DELAYS_MS,
        retryJitter: this.config.RETRY_JITTER,
        agingMs: this.config.AGING_MS,
        noCapableRobotGraceMs: this.config.NO_CAPABLE_ROBOT_GRACE_MS,
        stallGraceMs: this.config.STALL_GRACE_MS,
        onDeadlineMissed: this.config.DEADLINE_MISSED,
        forecastEveryMs: this.config.FORECAST_INTERVAL_MS,
        prefetch: this.config.PREFETCH,
      },
      this.logger,
    );
    this.view = view;
    this.dispatcher = dispatcher;
    this.feed = new JobFeed(this.store, dispatcher, this.logger, this.origins);
    this.feed.start(await view.replayFrom());
    onReconnect(this.nc, () => {
      this.logger.warn('reconnected to NATS: following job events and KV again');
      this.feed?.restart();
      view.restart().then(
        () => dispatcher.reconcile(),
        (error: unknown) => this.logger.error({ err: error }, 'reloading KV views failed'),
      );
    });
    this.timer = setInterval(() => {
      dispatcher.reconcile();
      void this.saveCheckpoint(dispatcher, view);
    }, this.config.RECONCILE_INTERVAL_MS);
  }

  /**
   * The workflows' p95 durations (the deadline forecast, ADR 66) and their nodes' k × p99 stall
   * limits (ADR 65) over the last 7 days, from the read model's hourly rollups, cached. Without a
   * database: none, no job is ever at risk and every step is held to its timeout.
   */
  private async workflowDurations(): Promise<WorkflowDurationCache | undefined> {
    const url = this.config.DATABASE_URL;
    if (!url) return undefined;
    this.dataSource = createReadModelDataSource(url, { poolSize: 1 });
    const source = this.dataSource;
    const workflows = new WorkflowDurations(source);
    const nodes = new NodeDurations(source);
    const {
      STALL_P99_FACTOR: factor,
      STALL_P99_FLOOR_MS: floorMs,
      STALL_P99_MIN_STEPS: minSteps,
    } = this.config;
    const cache = new WorkflowDurationCache(
      async () => {
        if (!source.isInitialized) await source.initialize();
        const since = new Date(Date.now() - 7 * 86_400_000);
        const [p95s, p99s] = await Promise.all([
          workflows.quantiles(since, 0.95),
          nodes.quantiles(since, 0.99, minSteps),
        ]);
        return { workflows: p95s, stallLimits: stallLimits(p99s, { factor, floorMs }) };
      },
      this.config.DURATIONS_REFRESH_MS,
      this.logger,
    );
    cache.start();
    this.durations = cache;
    return cache;
  }

  async beforeApplicationShutdown() {
    this.durations?.stop();
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
    clearInterval(this.timer);
    this.dispatcher?.stop();
    await this.feed?.stop();
    this.view?.stop();
  }

  private async saveCheckpoint(dispatcher: Dispatcher, view: FleetView) {
    const from = dispatcher.replayFrom;
    if (!dispatcher.stats().ready || from === this.lastSaved) return;
    try {
      await view.saveReplayFrom(from);
      this.lastSaved = from;
    } catch (error) {
      this.logger.warn({ err: error }, 'could not save the replay checkpoint');
    }
  }
}

@Controller('dispatcher')
class DispatcherStatusController {
  constructor(@Inject(DispatcherService) private readonly service: DispatcherService) {}
  @Get()
  status() {
    return this.service.dispatcher?.stats() ?? { ready: false };
  }
}

@Module({})
export class DispatcherModule {
  static forRoot(config: DispatcherConfig, logger: Logger): DynamicModule {
    return {
      module: DispatcherModule,
      imports: [
        JetStreamModule.forRoot({
          servers: config.NATS_URL,
          token: config.NATS_TOKEN,
          credsFile: config.NATS_CREDS_FILE,
          name: 'dispatcher',
          logger,
          streams: streamSettingsFrom(config),
        }),
      ],
      controllers: [HealthController, PrometheusController, DispatcherStatusController],
      providers: [
        {
          provide: DispatcherService,
          useFactory: (
            nc: NatsConnection,
            store: EventStore,
            js: JetStreamClient,
            jsm: JetStreamManager,
            log: Logger,
          ) => new DispatcherService(nc, store, js, jsm, log, config),
          inject: [NATS_CONNECTION, EVENT_STORE, JETSTREAM, JETSTREAM_MANAGER, LOGGER],
        },
        {
          provide: HEALTH_CHECKS,
          useFactory: (service: DispatcherService): HealthCheck[] => [
            {
              name: 'dispatcher',
              check: async () => {
                if (!service.dispatcher?.stats().ready) throw new Error('replaying job events');
              },
            },
          ],
          inject: [DispatcherService],
        },
        {
          provide: registerDispatcherMetrics,
          useFactory: (registry: Registry, service: DispatcherService) =>
            registerDispatcherMetrics(registry, () => service.dispatcher?.stats()),
          inject: [METRICS_REGISTRY, DispatcherService],
        },
      ],
    };
  }
}
