import {
  Inject,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import { KV_BUCKETS, RobotPresenceSchema, STREAMS } from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { KvMirror, onReconnect, openBucket } from '@aether/kv-state';
import {
  EVENT_STORE,
  HealthController,
  JETSTREAM_MANAGER,
  PrometheusController,
  JetStreamModule,
  streamSettingsFrom,
  LOGGER,
  METRICS_REGISTRY,
  NATS_CONNECTION,
  provideConsumers,
  type Logger,
} from '@aether/service-kit';
import type { ServiceConfig } from './config';
import { PresenceProbe, natsProbeTransport } from './presence/presence-probe';
import { hearsRobots } from './presence/hearing';
import { PRESENCE_DURABLE, robotPresenceRoute } from './presence/presence.route';
import { RobotRegistry } from './presence/robot-registry';
import { VitalsTrendRecorder } from './presence/vitals-trend';
import { Gauge, type Registry } from 'prom-client';

/**
 * Runs the offline sweep on a timer. The timer holds no truth: presence is in KV, so a
 * restarted registry just sweeps again — after a short grace in which the heartbeats that
 * queued up while it was down are read, so no robot is declared offline for its absence.
 */
class OfflineSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private startTimer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private deaf = false;

  constructor(
    @Inject(RobotRegistry) private readonly registry: RobotRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly config: ServiceConfig,
    private readonly jsm: JetStreamManager,
  ) {}

  onApplicationBootstrap() {
    this.startTimer = setTimeout(() => {
      this.timer = setInterval(() => {
        if (this.running) return;
        this.running = this.sweepIfHearing()
          .catch((error: unknown) => this.logger.warn({ err: error }, 'offline sweep failed'))
          .finally(() => (this.running = undefined));
      }, this.config.SWEEP_INTERVAL_MS);
    }, START_GRACE_MS);
  }

  /** Declares silent robots offline, unless the registry itself is not hearing them. */
  private async sweepIfHearing(): Promise<void> {
    const waiting = await this.jsm.consumers.info(STREAMS.commands, PRESENCE_DURABLE).then(
      (info) => info.num_pending + info.num_ack_pending,
      () => undefined,
    );
    const hearing = hearsRobots(waiting, this.registry.present().length);
    if (hearing === this.deaf) {
      this.deaf = !hearing;
      if (this.deaf)
        this.logger.warn({ waiting }, 'not hearing the robots: no one declared offline until it does');
      else this.logger.info({ waiting }, 'hearing the robots again');
    }
    if (hearing) await this.registry.sweep();
  }

  async beforeApplicationShutdown() {
    clearTimeout(this.startTimer);
    clearInterval(this.timer);
    await this.running;
  }
}

const START_GRACE_MS = 2_000;

/**
 * Probes robots on a timer. A round does not wait for the previous one: a frozen robot's probe
 * waiting out its timeout must not delay noticing that another robot died.
 */
class PresenceProber implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private readonly rounds = new Set<Promise<unknown>>();

  constructor(
    private readonly probe: PresenceProbe,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  onApplicationBootstrap() {
    if (this.intervalMs === 0) return;
    this.timer = setInterval(() => {
      const round = this.probe
        .probeAll()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'probing robots failed'))
        .finally(() => this.rounds.delete(round));
      this.rounds.add(round);
    }, this.intervalMs);
  }

  async beforeApplicationShutdown() {
    clearInterval(this.timer);
    await Promise.all(this.rounds);
  }
}

@Module({})
export class RobotRegistryModule {
  static forRoot(config: ServiceConfig, logger: Logger): DynamicModule {
    return {
      module: RobotRegistryModule,
      imports: [
        JetStreamModule.forRoot({
          servers: config.NATS_URL,
          token: config.NATS_TOKEN,
          credsFile: config.NATS_CREDS_FILE,
          name: 'robot-registry',
          logger,
          streams: streamSettingsFrom(config),
        }),
      ],
      controllers: [HealthController, PrometheusController],
      providers: [
        {
          provide: RobotRegistry,
          useFactory: async (nc: NatsConnection, store: EventStore, log: Logger) => {
            const kv = await openBucket(nc, KV_BUCKETS.robots);
            const view = await KvMirror.start(kv, {
              parse: (value) => RobotPresenceSchema.safeParse(value).data,
            });
            const trend = new VitalsTrendRecorder(await openBucket(nc, KV_BUCKETS.robotVitals), log);
            const registry = new RobotRegistry(
              kv,
              view,
              store,
              log,
              { missedHeartbeats: config.MISSED_HEARTBEATS, offlineAfterMs: config.OFFLINE_AFTER_MS },
              Date.now,
              trend,
            );
            onReconnect(nc, () => {
              registry.noticeOutage();
              view.restart().catch((error: unknown) => log.warn({ err: error }, 'reloading presence failed'));
            });
            return registry;
          },
          inject: [NATS_CONNECTION, EVENT_STORE, LOGGER],
        },
        {
          provide: Gauge,
          useFactory: (metrics: Registry, registry: RobotRegistry) =>
            new Gauge({
              name: 'aether_robots',
              help: 'Robots the registry knows, by status (online, draining, offline)',
              labelNames: ['status'],
              registers: [metrics],
              collect() {
                for (const [status, count] of Object.entries(registry.countByStatus()))
                  this.set({ status }, count);
              },
            }),
          inject: [METRICS_REGISTRY, RobotRegistry],
        },
        {
          provide: PresenceProber,
          useFactory: (nc: NatsConnection, registry: RobotRegistry, log: Logger) => {
            const probe = new PresenceProbe(
              registry,
              natsProbeTransport(nc),
              { timeoutMs: config.PROBE_TIMEOUT_MS, graceMs: config.PROBE_GRACE_MS },
              log,
            );
            onReconnect(nc, () => probe.noticeReconnect());
            return new PresenceProber(probe, log, config.PROBE_INTERVAL_MS);
          },
          inject: [NATS_CONNECTION, RobotRegistry, LOGGER],
        },
        {
          provide: OfflineSweeper,
          useFactory: (registry: RobotRegistry, log: Logger, jsm: JetStreamManager) =>
            new OfflineSweeper(registry, log, config, jsm),
          inject: [RobotRegistry, LOGGER, JETSTREAM_MANAGER],
        },
        ...provideConsumers((registry: RobotRegistry) => [robotPresenceRoute(registry)], [RobotRegistry]),
      ],
    };
  }
}
