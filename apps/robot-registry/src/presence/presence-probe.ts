import { RequestError, type NatsConnection } from '@nats-io/transport-node';
import { isSubjectToken, subjects, type RobotPresence } from '@aether/contracts';
import type { Logger } from '@aether/service-kit';
import type { RobotRegistry } from './robot-registry';

/**
 * What one probe learned. Only `no-responders` is evidence that the robot is gone: a probe
 * without an answer may have met a frozen, busy or partitioned process that still holds its lease.
 */
export type ProbeAnswer = 'answered' | 'no-responders' | 'no-answer';

export interface ProbeTransport {
  /** Sends one probe request; never rejects. */
  ask(subject: string, timeoutMs: number): Promise<ProbeAnswer>;
  /** Names the registry's current NATS connection; a reconnect changes it. */
  connection(): string;
}

export interface ProbeOptions {
  /** How long a probe waits for its answer, ms. */
  timeoutMs: number;
  /**
   * A robot that never answered on the current connection is declared gone on "no responders"
   * only once both the connection and its registration are this old, ms.
   */
  graceMs: number;
}

export function natsProbeTransport(nc: NatsConnection): ProbeTransport {
  return {
    async ask(subject, timeoutMs) {
      try {
        await nc.request(subject, undefined, { timeout: timeoutMs });
        return 'answered';
      } catch (error) {
        return error instanceof RequestError && error.isNoResponders() ? 'no-responders' : 'no-answer';
      }
    },
    connection: () => (nc.info ? `${nc.info.server_id}/${nc.info.client_id}` : ''),
  };
}

/**
 * Asks every robot believed up whether its process still holds a NATS connection. nats-server
 * drops a subscription the moment its client's socket closes, so a killed robot's probe meets
 * "no responders" within one probe period instead of after its missed heartbeats (ADR 14).
 *
 * "No responders" proves the robot gone only where it could have answered: it answered a probe
 * on this very connection (so its interest had reached the registry's server), or both the
 * connection and the registration are older than the grace in which robots reconnect after a
 * nats-server restart. Everything else is left to the heartbeat sweep.
 *
 * Probes of one robot overlap (up to a few): a probe that was on its way when the process died
 * gets no answer and waits out its timeout, while the next, a period later, meets "no responders".
 */
export class PresenceProbe {
  /** Session → the registry connection it last answered on. */
  private readonly answeredOn = new Map<string, string>();
  /** Session → probes waiting for an answer. */
  private readonly inFlight = new Map<string, number>();
  /** Sessions being declared offline right now. */
  private readonly declaring = new Set<string>();
  private connectedAt: number;

  constructor(
    private readonly registry: Pick<RobotRegistry, 'present' | 'disconnected'>,
    private readonly transport: ProbeTransport,
    private readonly options: ProbeOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.connectedAt = now();
  }

  /** The registry's connection came back: robots may still be on their way back too. */
  noticeReconnect(): void {
    this.connectedAt = this.now();
  }

  /** Probes each robot believed up; resolves with the robots this round declared offline. */
  async probeAll(): Promise<string[]> {
    const present = this.registry.present().filter(probeable);
    const sessions = new Set(present.map(sessionOf));
    for (const session of this.answeredOn.keys()) if (!sessions.has(session)) this.answeredOn.delete(session);
    const declared = await Promise.all(
      present
        .filter((presence) => (this.inFlight.get(sessionOf(presence)) ?? 0) < MAX_IN_FLIGHT)
        .map((presence) => this.probe(presence)),
    );
    return declared.filter((robotId): robotId is string => robotId !== undefined);
  }

  private async probe(presence: RobotPresence): Promise<string | undefined> {
    const session = sessionOf(presence);
    this.inFlight.set(session, (this.inFlight.get(session) ?? 0) + 1);
    let answer: ProbeAnswer;
    try {
      const subject = subjects.robotProbe(presence.tenantId, presence.robotId, presence.sessionId);
      answer = await this.transport.ask(subject, this.options.timeoutMs);
    } finally {
      const left = (this.inFlight.get(session) ?? 1) - 1;
      if (left > 0) this.inFlight.set(session, left);
      else this.inFlight.delete(session);
    }
    const connection = this.transport.connection();
    if (answer === 'answered') this.answeredOn.set(session, connection);
    if (answer !== 'no-responders' || this.declaring.has(session)) return undefined;
    if (!this.conclusive(presence, session, connection)) return undefined;
    this.declaring.add(session);
    try {
      if (!(await this.registry.disconnected(presence))) return undefined;
      this.answeredOn.delete(session);
      return presence.robotId;
    } catch (error) {
      this.logger.warn(
        { err: error, robotId: presence.robotId },
        'declaring a disconnected robot offline failed',
      );
      return undefined;
    } finally {
      this.declaring.delete(session);
    }
  }

  private conclusive(presence: RobotPresence, session: string, connection: string): boolean {
    if (connection !== '' && this.answeredOn.get(session) === connection) return true;
    const now = this.now();
    return (
      now - this.connectedAt >= this.options.graceMs &&
      now - Date.parse(presence.registeredAt) >= this.options.graceMs
    );
  }
}

/** A frozen robot's probes wait out their timeouts; this many at once is enough to keep probing it. */
const MAX_IN_FLIGHT = 4;

const sessionOf = (presence: RobotPresence) =>
  `${presence.tenantId}.${presence.robotId}.${presence.sessionId}`;

/** Sessions registered by other clients may not be subject tokens; those rely on heartbeats alone. */
const probeable = (presence: RobotPresence) =>
  isSubjectToken(presence.tenantId) && isSubjectToken(presence.robotId) && isSubjectToken(presence.sessionId);
