import { JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import {
  RobotCameBackOnline,
  RobotPresenceSchema,
  RobotRegistered,
  RobotWentOffline,
  subjects,
  type MessageOf,
  type RobotCommand,
  type RobotPresence,
  type RegisterRobot,
  type RobotHeartbeat,
  type DeregisterRobot,
} from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import type { KvMirror } from '@aether/kv-state';
import type { Logger } from '@aether/service-kit';
import type { VitalsTrendRecorder } from './vitals-trend';

export const presenceKey = (tenantId: string, robotId: string) => `${tenantId}.${robotId}`;

export interface OfflineRule {
  /** Beats a robot may miss when it declared its heartbeat period. */
  missedHeartbeats: number;
  /** Silence allowed to a robot that declared no period. */
  offlineAfterMs: number;
}

/** Thrown when a compare-and-set keeps losing: the message is retried later. */
class PresenceContention extends Error {
  override readonly name = 'PresenceContention';
  readonly retryable = true;
}

/**
 * Keeps robot presence in KV from the robots' own commands, and declares silent robots
 * offline. Every change is an event first (the fact), then the KV value (the current view),
 * written compare-and-set so the sweeper and the command handler never overwrite each other.
 */
export class RobotRegistry {
  constructor(
    private readonly kv: KV,
    /** A cheap, possibly stale view to find candidates; every write re-reads and compares-and-sets. */
    private readonly view: KvMirror<RobotPresence>,
    private readonly store: EventStore,
    private readonly logger: Logger,
    private readonly rule: OfflineRule,
    private readonly now: () => number = Date.now,
    private readonly trend?: VitalsTrendRecorder,
  ) {}

  private outageEndedAt = 0;

  /** NATS was unreachable until now: no robot could be heard, so silence counts from here. */
  noticeOutage(): void {
    this.outageEndedAt = this.now();
  }

  private silenceOf(presence: RobotPresence): number {
    return this.now() - Math.max(Date.parse(presence.lastSeenAt), this.outageEndedAt);
  }

  /** How long this robot may stay silent. */
  allowedSilenceMs(presence: RobotPresence): number {
    return presence.heartbeatMs
      ? presence.heartbeatMs * this.rule.missedHeartbeats
      : this.rule.offlineAfterMs;
  }

  async handle(command: RobotCommand): Promise<void> {
    switch (command.type) {
      case 'RegisterRobot':
        return this.register(command);
      case 'RobotHeartbeat':
        return this.heartbeat(command);
      case 'DeregisterRobot':
        return this.deregister(command);
      default: {
        const _exhaustive: never = command;
        return _exhaustive;
      }
    }
  }

  /** Declares every robot silent for longer than it is allowed offline. */
  async sweep(): Promise<number> {
    let declared = 0;
    for (const { key, value: candidate } of this.view.all()) {
      if (candidate.status === 'offline') continue;
      if (this.silenceOf(candidate) <= this.allowedSilenceMs(candidate)) continue;
      const seen = (await this.read(key))?.presence;
      if (!seen || seen.status === 'offline') continue;
      const silentMs = this.silenceOf(seen);
      if (silentMs <= this.allowedSilenceMs(seen)) continue;
      const changed = await this.mutate(
        key,
        (current) =>
          current?.status !== 'offline' &&
          current?.sessionId === seen.sessionId &&
          current.lastSeenAt === seen.lastSeenAt
            ? { ...current, status: 'offline', offlineAt: this.iso() }
            : undefined,
        (before) => this.wentOffline(before, 'missed-heartbeats'),
      );
      if (changed) {
        declared++;
        this.logger.warn({ robotId: seen.robotId, silentMs }, 'robot missed its heartbeats: offline');
      }
    }
    return declared;
  }

  /** Robots known to the view, counted by status (online, draining, offline). */
  countByStatus(): Record<string, number> {
    const counts: Record<string, number> = { online: 0, draining: 0, offline: 0 };
    for (const { status } of this.view.values()) counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }

  /** Robots believed up (online or draining), from the possibly stale view. */
  present(): RobotPresence[] {
    return this.view
      .all()
      .map((entry) => entry.value)
      .filter((presence) => presence.status !== 'offline');
  }

  /**
   * The session's connection is gone (its probe met no responders): offline at once, unless the
   * robot is already offline or registered again under another session meanwhile.
   */
  async disconnected(seen: RobotPresence): Promise<boolean> {
    const changed = await this.mutate(
      presenceKey(seen.tenantId, seen.robotId),
      (current) =>
        current && current.status !== 'offline' && current.sessionId === seen.sessionId
          ? { ...current, status: 'offline', offlineAt: this.iso() }
          : undefined,
      (before) => this.wentOffline(before, 'disconnected'),
    );
    if (changed)
      this.logger.warn({ robotId: seen.robotId, sessionId: seen.sessionId }, 'robot disconnected: offline');
    return changed;
  }

  private async register(command: MessageOf<typeof RegisterRobot>): Promise<void> {
    const { tenantId, aggregateId: robotId, data } = command;
    await this.mutate(
      presenceKey(tenantId, robotId),
      (current) => {
        if (current?.sessionId === data.sessionId && current.status !== 'offline') return undefined; // redelivered
        return {
          robotId,
          tenantId,
          pool: data.pool,
          capabilities: data.capabilities,
          status: 'online',
          sessionId: data.sessionId,
          ...(data.heartbeatMs ? { heartbeatMs: data.heartbeatMs } : {}),
          ...(data.hostname ? { hostname: data.hostname } : {}),
          ...(data.agentVersion ? { agentVersion: data.agentVersion } : {}),
          registeredAt: this.iso(),
          lastSeenAt: this.iso(),
        };
      },
      async (before) => {
        if (before && before.status !== 'offline' && before.sessionId !== data.sessionId) {
          await this.wentOffline(before, 'restarted');
        }
        await this.store.append(
          subjects.event(tenantId, 'robot', robotId),
          [
            RobotRegistered.create({
              tenantId,
              aggregateId: robotId,
              id: `registered:${robotId}:${data.sessionId}`,
              causedBy: command,
              data: { pool: data.pool, sessionId: data.sessionId, capabilities: data.capabilities },
            }),
          ],
          'any',
        );
      },
    );
    this.logger.info({ robotId, tenantId, capabilities: data.capabilities }, 'robot registered');
  }

  private async heartbeat(command: MessageOf<typeof RobotHeartbeat>): Promise<void> {
    const { tenantId, aggregateId: robotId, data } = command;
    const accepted = await this.mutate(
      presenceKey(tenantId, robotId),
      (current) => {
        if (!current || current.sessionId !== data.sessionId) return undefined; // unknown or an old process
        return {
          ...current,
          status: data.state === 'draining' ? 'draining' : 'online',
          lastSeenAt: this.iso(),
          vitals: data.vitals,
          offlineAt: undefined,
        };
      },
      async (before) => {
        if (before?.status !== 'offline') return;
        await this.store.append(
          subjects.event(tenantId, 'robot', robotId),
          [
            RobotCameBackOnline.create({
              tenantId,
              aggregateId: robotId,
              causedBy: command,
              data: {
                sessionId: data.sessionId,
                offlineForMs: Math.max(0, this.now() - Date.parse(before.offlineAt ?? before.lastSeenAt)),
              },
            }),
          ],
          'any',
        );
        this.logger.warn({ robotId }, 'offline robot is heartbeating again: online');
      },
    );
    if (accepted) await this.trend?.record(tenantId, robotId, data.vitals);
  }

  private async deregister(command: MessageOf<typeof DeregisterRobot>): Promise<void> {
    const { tenantId, aggregateId: robotId, data } = command;
    await this.mutate(
      presenceKey(tenantId, robotId),
      (current) =>
        current && current.sessionId === data.sessionId && current.status !== 'offline'
          ? { ...current, status: 'offline', offlineAt: this.iso() }
          : undefined,
      (before) => this.wentOffline(before, 'shutdown'),
    );
    this.logger.info({ robotId }, 'robot stopped: offline');
  }

  private async wentOffline(
    before: RobotPresence | undefined,
    reason: MessageOf<typeof RobotWentOffline>['data']['reason'],
  ): Promise<void> {
    if (!before) return;
    await this.store.append(
      subjects.event(before.tenantId, 'robot', before.robotId),
      [
        RobotWentOffline.create({
          tenantId: before.tenantId,
          aggregateId: before.robotId,
          id: `offline:${before.robotId}:${before.sessionId}:${Date.parse(before.lastSeenAt)}`,
          data: {
            sessionId: before.sessionId,
            reason,
            lastSeenAt: before.lastSeenAt,
            jobs: before.vitals?.jobs.map((job) => job.jobId) ?? [],
          },
        }),
      ],
      'any',
    );
  }

  /**
   * Read, decide, record the fact, then compare-and-set the new value; on a lost race, all again.
   * `decide` answering `undefined` means nothing to change. Returns whether it wrote.
   */
  private async mutate(
    key: string,
    decide: (current: RobotPresence | undefined) => RobotPresence | undefined,
    beforeWrite: (current: RobotPresence | undefined) => Promise<void>,
  ): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.read(key);
      const next = decide(entry?.presence);
      if (!next) return false;
      await beforeWrite(entry?.presence);
      const value = JSON.stringify(RobotPresenceSchema.parse(next));
      try {
        if (entry) await this.kv.update(key, value, entry.revision);
        else await this.kv.create(key, value);
        return true;
      } catch (error) {
        if (!(error instanceof JetStreamApiError) && !/wrong last sequence|key exists/i.test(String(error)))
          throw error;
      }
    }
    throw new PresenceContention(`presence of ${key} kept changing under this write`);
  }

  /** The key's value and revision; `presence` is absent when the key was deleted or holds garbage. */
  private async read(key: string): Promise<{ presence?: RobotPresence; revision: number } | undefined> {
    const entry = await this.kv.get(key);
    if (!entry) return undefined;
    if (entry.operation !== 'PUT') return { revision: entry.revision };
    const parsed = RobotPresenceSchema.safeParse(entry.json());
    if (!parsed.success) {
      this.logger.error(
        { key, problems: parsed.error.issues.length },
        'invalid presence value; replacing it',
      );
      return { revision: entry.revision };
    }
    return { presence: parsed.data, revision: entry.revision };
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}
