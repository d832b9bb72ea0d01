import {
  Controller,
  Get,
  Inject,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EventStore } from '@aether/event-store';
import { robotInboxPrefix } from '@aether/identity';
import { OcrEngine } from '@aether/ocr';
import {
  BrowserPool,
  CHROMIUM_LAUNCH_OPTIONS,
  DatabasePool,
  NatsQueueClient,
  ObjectStoreArtifacts,
  captureFailureArtifacts,
  captureStalledPage,
  createNodeHandlers,
  type BrowserLease,
} from '@aether/nodes';
import {
  EVENT_STORE,
  HealthController,
  PrometheusController,
  JETSTREAM,
  JETSTREAM_MANAGER,
  JetStreamModule,
  METRICS_REGISTRY,
  NATS_CONNECTION,
  type Logger,
} from '@aether/service-kit';
import type { RobotConfig } from './config';
import { JobRunner } from './jobs/job-runner';
import { StepHealing, fingerprintBucket, sparseTextOcr } from './healing/step-healing';
import { WorkLoop } from './jobs/work-loop';
import { VaultSecrets, environmentSecrets } from './secrets';
import { WorkflowCatalog } from './workflows/workflow-catalog';
import { JobProgress } from './presence/job-progress';
import { capabilitiesOf, loadPresenceConfig } from './presence/presence.config';
import { PresenceLifecycle } from './presence/presence.lifecycle';
import { RemoteControl } from './presence/remote-control';
import { RobotPresence } from './presence/robot-presence';
import { registerRobotMetrics } from './robot-metrics';
import type { Registry } from 'prom-client';

class RobotLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly loop: WorkLoop,
    private readonly browsers: BrowserPool,
    private readonly databases: DatabasePool,
  ) {}
  onApplicationBootstrap() {
    return this.loop.start();
  }
  async beforeApplicationShutdown() {
    await this.loop.stop();
    await Promise.all([this.browsers.close(), this.databases.close()]);
  }
}

@Controller('robot')
class RobotStatusController {
  constructor(
    @Inject(WorkLoop) private readonly loop: WorkLoop,
    @Inject(BrowserPool) private readonly browsers: BrowserPool,
    @Inject(DatabasePool) private readonly databases: DatabasePool,
  ) {}
  @Get()
  status() {
    return {
      activeJobs: this.loop.active,
      browsers: this.browsers.usage(),
      databases: this.databases.usage(),
    };
  }
}

@Module({})
export class RobotModule {
  /** `shutdown`: closes the application and exits, as an operator's drain or stop ends the robot. */
  static forRoot(config: RobotConfig, logger: Logger, shutdown: () => void): DynamicModule {
    mkdirSync(config.FILES_ROOT, { recursive: true });
    const presenceConfig = loadPresenceConfig();
    const progress = new JobProgress();
    // Healing's OCR (tier 3): its worker starts at the first drawn text to read, if ever.
    const healingOcr = new OcrEngine();
    const ownCredentials = config.NATS_CREDS_FILE !== undefined;
    return {
      module: RobotModule,
      imports: [
        JetStreamModule.forRoot({
          servers: config.NATS_URL,
          token: config.NATS_TOKEN,
          name: `robot-${config.ROBOT_ID}`,
          logger,
          // Its own credentials (ADR 38): bind to what the services made, reply on its own inbox.
          ...(ownCredentials
            ? {
                credsFile: config.NATS_CREDS_FILE,
                inboxPrefix: robotInboxPrefix(presenceConfig.ROBOT_TENANT, config.ROBOT_ID),
                provision: false,
              }
            : {}),
        }),
      ],
      controllers: [HealthController, PrometheusController, RobotStatusController],
      providers: [
        {
          provide: BrowserPool,
          useFactory: () =>
            new BrowserPool({
              launchOptions: { ...CHROMIUM_LAUNCH_OPTIONS, executablePath: config.CHROMIUM_PATH },
              maxJobs: config.MAX_CONCURRENT_JOBS,
              maxPagesPerJob: 4,
              egress: config.ROBOT_EGRESS_ALLOW,
            }),
        },
        {
          provide: DatabasePool,
          useFactory: () =>
            new DatabasePool({
              maxConnectionsPerDatabase: config.DB_CONNECTIONS_PER_DATABASE,
              maxConnectionsPerJob: config.DB_CONNECTIONS_PER_JOB,
              leaseTtlMs: config.DB_LEASE_TTL_MS,
              egress: config.ROBOT_EGRESS_ALLOW,
            }),
        },
        {
          provide: ObjectStoreArtifacts,
          useFactory: (nc: NatsConnection) =>
            ObjectStoreArtifacts.open(nc, { tenantId: presenceConfig.ROBOT_TENANT, create: !ownCredentials }),
          inject: [NATS_CONNECTION],
        },
        {
          provide: StepHealing,
          useFactory: (nc: NatsConnection, store: EventStore) =>
            new StepHealing({
              store,
              fingerprints: fingerprintBucket(nc),
              robotId: config.ROBOT_ID,
              logger,
              budgetMs: config.HEAL_BUDGET_MS,
              ...(config.HEAL_VISUAL
                ? {
                    visual: {
                      budgetMs: config.HEAL_VISUAL_BUDGET_MS,
                      ocrStartMs: config.HEAL_OCR_START_MS,
                      // Its own worker, so a heal never waits behind an OCR step's page.
                      ocr: sparseTextOcr(healingOcr),
                    },
                  }
                : {}),
            }),
          inject: [NATS_CONNECTION, EVENT_STORE],
        },
        {
          provide: WorkLoop,
          useFactory: (
            nc: NatsConnection,
            store: EventStore,
            js: JetStreamClient,
            jsm: JetStreamManager,
            browsers: BrowserPool,
            artifacts: ObjectStoreArtifacts,
            databases: DatabasePool,
            healing: StepHealing,
          ) => {
            const handlers = createNodeHandlers({
              filesRoot: config.FILES_ROOT,
              databases: { pool: databases },
              http: { egress: config.ROBOT_EGRESS_ALLOW },
              mail: { egress: config.ROBOT_EGRESS_ALLOW },
              queues: { client: new NatsQueueClient(nc), robotId: config.ROBOT_ID },
            });
            const runner = new JobRunner({
              store,
              workflows: new WorkflowCatalog(store),
              handlers: progress.track(handlers),
              openBrowser: (jobId) => browserSession(browsers, jobId),
              storeArtifact: (kind, name, bytes) => artifacts.put(kind, name, bytes),
              readArtifact: (ref) => artifacts.get(ref),
              captureFailure: (page, name) => captureFailureArtifacts(page, artifacts, { name }),
              captureStalled: (page, name) => captureStalledPage(page, artifacts, { name }),
              secret: environmentSecrets(),
              ...(config.ROBOT_CREDENTIAL
                ? { jobSecrets: new VaultSecrets(nc, config.ROBOT_CREDENTIAL) }
                : {}),
              healing,
              robotId: config.ROBOT_ID,
              logger,
            });
            const loop = new WorkLoop(
              nc,
              js,
              jsm,
              runner,
              {
                pool: config.POOL,
                leaseMs: config.LEASE_MS,
                maxDeliver: config.MAX_DELIVER,
                concurrency: config.MAX_CONCURRENT_JOBS,
                shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
                robotId: config.ROBOT_ID,
                tenantId: presenceConfig.ROBOT_TENANT,
                ...(ownCredentials
                  ? {
                      bindOnly: true,
                      inboxPrefix: robotInboxPrefix(presenceConfig.ROBOT_TENANT, config.ROBOT_ID),
                    }
                  : {}),
              },
              logger,
            );
            loop.onStopped(async () => {
              await Promise.all([handlers.close(), healingOcr.close()]);
            });
            return loop;
          },
          inject: [
            NATS_CONNECTION,
            EVENT_STORE,
            JETSTREAM,
            JETSTREAM_MANAGER,
            BrowserPool,
            ObjectStoreArtifacts,
            DatabasePool,
            StepHealing,
          ],
        },
        {
          provide: registerRobotMetrics,
          useFactory: (registry: Registry, loop: WorkLoop, browsers: BrowserPool, healing: StepHealing) =>
            registerRobotMetrics(registry, {
              activeJobs: () => loop.active.length,
              jobSlots: config.MAX_CONCURRENT_JOBS,
              browsers,
              progress,
              claims: loop,
              healing,
            }),
          inject: [METRICS_REGISTRY, WorkLoop, BrowserPool, StepHealing],
        },
        {
          provide: RobotLifecycle,
          useFactory: (loop: WorkLoop, browsers: BrowserPool, databases: DatabasePool) =>
            new RobotLifecycle(loop, browsers, databases),
          inject: [WorkLoop, BrowserPool, DatabasePool],
        },
        {
          provide: PresenceLifecycle,
          useFactory: (
            nc: NatsConnection,
            js: JetStreamClient,
            loop: WorkLoop,
            browsers: BrowserPool,
            databases: DatabasePool,
          ) => {
            const presence = new RobotPresence(
              nc,
              js,
              {
                activeJobs: () => loop.active,
                progress: (active) => progress.report(active),
                resources: () => {
                  const usage = browsers.usage();
                  const db = databases.usage();
                  return {
                    browserContexts: { used: usage.leases, size: usage.maxJobs },
                    databaseConnections: { used: db.leases, size: db.size },
                  };
                },
              },
              {
                tenantId: presenceConfig.ROBOT_TENANT,
                robotId: config.ROBOT_ID,
                pool: config.POOL,
                agentVersion: config.AETHER_VERSION,
                capabilities: capabilitiesOf(presenceConfig, config.MAX_CONCURRENT_JOBS),
                heartbeatMs:
                  presenceConfig.HEARTBEAT_MS ??
                  Math.min(5_000, Math.max(100, Math.floor(config.LEASE_MS / 3))),
              },
              logger,
            );
            const control = new RemoteControl(
              nc,
              {
                tenantId: presenceConfig.ROBOT_TENANT,
                robotId: config.ROBOT_ID,
                sessionId: presence.sessionId,
              },
              {
                activeJobs: () => loop.active,
                drain: async () => {
                  await presence.drain();
                  await loop.finish();
                },
                shutdown,
              },
              logger,
            );
            return new PresenceLifecycle(
              presence,
              new Promise((resolve) => loop.onStopped(async () => resolve())),
              control,
            );
          },
          inject: [NATS_CONNECTION, JETSTREAM, WorkLoop, BrowserPool, DatabasePool],
        },
      ],
    };
  }
}

/** One browser context per job, leased from the shared browser on first use. */
function browserSession(pool: BrowserPool, jobId: string) {
  let lease: Promise<BrowserLease> | undefined;
  return {
    async page() {
      lease ??= pool.acquire(jobId);
      const held = await lease;
      held.renew();
      return held.page();
    },
    // Also a stalled step's teardown (ADR 61): the job's next browser step opens a fresh context.
    async close() {
      const held = lease;
      lease = undefined;
      if (held) await (await held).release();
    },
  };
}
