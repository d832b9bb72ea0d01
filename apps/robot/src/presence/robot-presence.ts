import { freemem, hostname, loadavg } from 'node:os';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  DeregisterRobot,
  RegisterRobot,
  RobotHeartbeat,
  newId,
  subjects,
  type Envelope,
  type RobotCapabilities,
  type RobotVitals,
} from '@aether/contracts';
import { resentOnReconnect } from '@aether/event-store';
import type { Logger } from '@aether/service-kit';
import { HostFigures } from './host-figures';

export interface PresenceSource {
  /** Ids of the jobs the robot holds right now. */
  activeJobs(): readonly string[];
  progress(active: readonly string[]): RobotVitals['jobs'];
  resources(): RobotVitals['resources'];
}

export interface RobotPresenceOptions {
  tenantId: string;
  robotId: string;
  pool: string;
  capabilities: RobotCapabilities;
  heartbeatMs: number;
  /** Shown on the console's robot page. */
  agentVersion?: string;
}

const encoder = new TextEncoder();

/**
 * The robot's side of presence: registers once per process (a new session id each start),
 * heartbeats on a timer, says `draining` when shutdown begins and goodbye once its jobs are
 * released. Everything goes through JetStream to the registry, in order, on one subject.
 * It also answers the registry's probe on its session's control subject, so that when the
 * process dies the probe meets "no responders" at once (ADR 14).
 */
export class RobotPresence {
  readonly sessionId = `${Date.now().toString(36)}-${newId().slice(0, 8)}`;
  private timer?: NodeJS.Timeout;
  private state: 'running' | 'draining' = 'running';
  private cpu = process.cpuUsage();
  private cpuAt = Date.now();
  private sending?: Promise<void>;
  private probe?: Subscription;
  private readonly host = new HostFigures();

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly source: PresenceSource,
    private readonly options: RobotPresenceOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const { tenantId, robotId, pool, capabilities } = this.options;
    // Subscribed (and flushed) before registering: the registry never probes a session whose
    // subscription the server has not seen yet.
    this.probe = this.nc.subscribe(subjects.robotProbe(tenantId, robotId, this.sessionId), {
      callback: (error, message) => {
        if (!error) message.respond();
      },
    });
    await this.nc.flush();
    await this.send(
      RegisterRobot.create({
        tenantId,
        aggregateId: robotId,
        data: {
          pool,
          sessionId: this.sessionId,
          capabilities,
          heartbeatMs: this.options.heartbeatMs,
          hostname: hostname().slice(0, 255),
          ...(this.options.agentVersion ? { agentVersion: this.options.agentVersion } : {}),
        },
      }),
    );
    this.logger.info({ sessionId: this.sessionId, capabilities }, 'registered with the registry');
    this.timer = setInterval(() => {
      if (this.sending) return; // a slow server: skip a beat rather than queue them up
      this.sending = this.heartbeat()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'heartbeat failed'))
        .finally(() => (this.sending = undefined));
    }, this.options.heartbeatMs);
  }

  /** Shutdown began: take no new work (the dispatcher stops placing here). */
  async drain(): Promise<void> {
    this.state = 'draining';
    await this.heartbeat().catch((error: unknown) =>
      this.logger.warn({ err: error }, 'draining heartbeat failed'),
    );
  }

  /** Jobs are released: the registry declares the robot offline at once, not after its silence. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sending;
    const { tenantId, robotId } = this.options;
    await this.send(
      DeregisterRobot.create({
        tenantId,
        aggregateId: robotId,
        data: { sessionId: this.sessionId, reason: 'shutdown' },
      }),
    ).catch((error: unknown) => this.logger.warn({ err: error }, 'could not deregister'));
    this.probe?.unsubscribe();
  }

  private heartbeat(): Promise<void> {
    const { tenantId, robotId } = this.options;
    return this.send(
      RobotHeartbeat.create({
        tenantId,
        aggregateId: robotId,
        data: { sessionId: this.sessionId, state: this.state, vitals: this.vitals() },
      }),
    );
  }

  private vitals(): RobotVitals {
    const now = Date.now();
    const used = process.cpuUsage(this.cpu);
    const cpuPercent = ((used.user + used.system) / 1000 / Math.max(1, now - this.cpuAt)) * 100;
    this.cpu = process.cpuUsage();
    this.cpuAt = now;
    const active = this.source.activeJobs();
    return {
      cpuPercent: Math.round(cpuPercent * 10) / 10,
      loadAverage: loadavg()[0],
      rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
      freeMemoryMb: Math.round(freemem() / 2 ** 20),
      jobs: this.source.progress(active),
      resources: this.source.resources(),
      ...this.host.read(),
    };
  }

  /** Sent again at once when the connection comes back unanswered (ADR 113): de-duplicated by its id. */
  private async send(message: Envelope): Promise<void> {
    await resentOnReconnect(this.nc, () =>
      this.js.publish(subjects.robotPresence(message.tenantId), encoder.encode(JSON.stringify(message)), {
        msgID: message.id,
      }),
    );
  }
}
