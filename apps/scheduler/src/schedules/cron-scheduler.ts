import { type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import {
  MessageRegistry,
  RequestJob,
  SCHEDULE_EVENTS,
  STREAMS,
  ScheduleDefinitionSchema,
  ScheduleFired,
  subjects,
  type ScheduleDefinition,
  type ScheduleEvent,
} from '@aether/contracts';
import { ConcurrencyError, directGet, type EventStore } from '@aether/event-store';
import { KvMirror } from '@aether/kv-state';
import type { Logger } from '@aether/service-kit';
import { VersionLookups, checkFire } from '../workflows/published-versions';
import { planFire } from './cron';

const scheduleEvents = new MessageRegistry<ScheduleEvent>(SCHEDULE_EVENTS);
const encoder = new TextEncoder();
const MAX_TIMER_MS = 3_600_000;

interface LastFire {
  readonly sequence: number;
  readonly fireAt: number;
  readonly jobId: string;
  readonly workflowVersion: number | undefined;
  readonly refused: boolean;
}

export interface CronSchedulerOptions {
  graceMs: number;
  replicaId: string;
}

/**
 * Fires cron schedules. Every replica watches every schedule and sets a timer for its next
 * occurrence; at the occurrence each appends `ScheduleFired` to the schedule's subject with
 * the expected last sequence it read, so exactly one replica's append succeeds and the others
 * see the fire and stand down. The fire's job id is derived from the occurrence, so even a
 * repeated `RequestJob` starts one job. The last fire on the subject is also where a restarted
 * scheduler resumes from: nothing here is only in memory. A fire's variables are checked against
 * the version its job would run, which the request pins; a fire that version refuses is recorded
 * with the refusal (`refused`) and starts no job (ADR 135).
 */
export class CronScheduler {
  private mirror?: KvMirror<ScheduleDefinition>;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly chains = new Map<string, Promise<void>>();
  /** Missed occurrences already dropped under `skip` (recomputed identically after a restart). */
  private readonly skippedUntil = new Map<string, number>();
  private readonly resumed = new Set<string>();
  private stopped = false;
  private readonly versions: VersionLookups;

  constructor(
    private readonly kv: KV,
    private readonly store: EventStore,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: CronSchedulerOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.versions = new VersionLookups(store);
  }

  async start(): Promise<void> {
    this.mirror = await KvMirror.start(this.kv, {
      parse: (value) => ScheduleDefinitionSchema.safeParse(value).data,
      onInvalid: (key) => this.logger.warn({ key }, 'invalid schedule definition ignored'),
      onChange: (change) => this.replan(change.kind === 'put' ? change.entry.key : change.key),
    });
    for (const { key } of this.mirror.all()) this.replan(key);
  }

  /** After a reconnect: watch the schedules again and plan every one afresh. */
  async restart(): Promise<void> {
    await this.mirror?.restart();
    for (const { key } of this.mirror?.all() ?? []) this.replan(key);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.mirror?.stop();
    for (const timer of this.timers.values()) clearTimeout(timer);
    await Promise.allSettled([...this.chains.values()]);
  }

  /** Plans a schedule again; calls for one schedule run one after another. */
  private replan(key: string): void {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.plan(key))
      .catch((error: unknown) => {
        this.logger.error({ err: error, schedule: key }, 'planning a schedule failed; trying again shortly');
        this.wake(key, 1_000);
      });
    this.chains.set(key, next);
  }

  private async plan(key: string): Promise<void> {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const definition = this.mirror?.get(key);
    if (this.stopped || !definition || definition.paused) return;
    const last = await this.lastFire(definition);
    if (last && !this.resumed.has(key)) {
      this.resumed.add(key);
      // a crash between fire and request loses nothing
      if (!last.refused) await this.requestJob(definition, last.jobId, last.workflowVersion);
    }
    const since = Math.max(
      Date.parse(definition.activeFrom),
      last?.fireAt ?? 0,
      this.skippedUntil.get(key) ?? 0,
    );
    const plan = planFire(definition, new Date(since), new Date(this.now()), this.options.graceMs);
    switch (plan.kind) {
      case 'wait':
        this.wake(key, plan.at.getTime() - this.now());
        return;
      case 'fire':
        await this.fire(definition, plan.fireAt, plan.misfire, plan.skipped, last);
        this.replan(key);
        return;
      case 'skip-missed':
        this.skippedUntil.set(key, plan.until.getTime());
        this.logger.warn(
          { schedule: definition.scheduleId, skipped: plan.skipped, until: plan.until.toISOString() },
          'missed occurrences skipped (misfire policy: skip)',
        );
        this.replan(key);
        return;
      case 'never':
        return;
      default: {
        const _exhaustive: never = plan;
        return _exhaustive;
      }
    }
  }

  private wake(key: string, inMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => this.replan(key), Math.min(MAX_TIMER_MS, Math.max(0, inMs))),
    );
  }

  private async fire(
    definition: ScheduleDefinition,
    fireAt: Date,
    misfire: boolean,
    skipped: number,
    seen: LastFire | undefined,
  ): Promise<void> {
    const subject = subjects.event(definition.tenantId, 'schedule', definition.scheduleId);
    const jobId = `cron-${definition.scheduleId}-${fireAt.getTime()}`;
    const check = await checkFire(
      this.versions,
      definition.tenantId,
      definition.workflowId,
      definition.workflowVersion,
      definition.variables,
    );
    let last = seen;
    for (let attempt = 1; attempt <= 3; attempt++) {
      if (last && last.fireAt >= fireAt.getTime()) return; // another replica fired it
      const fired = ScheduleFired.create({
        tenantId: definition.tenantId,
        aggregateId: definition.scheduleId,
        id: `fire:${definition.scheduleId}:${fireAt.getTime()}`,
        data: {
          fireAt: fireAt.toISOString(),
          jobId,
          misfire,
          skipped,
          firedBy: this.options.replicaId,
          ...(check.ok ? { workflowVersion: check.workflowVersion } : { refused: check.refusal }),
        },
      });
      try {
        const { duplicate } = await this.store.append(subject, [fired], last?.sequence ?? 0);
        if (duplicate) return;
        if (!check.ok) {
          this.logger.warn(
            { schedule: definition.scheduleId, fireAt: fireAt.toISOString(), reason: check.refusal.reason },
            'schedule fire refused: the workflow version refuses its variables; no job started',
          );
          return;
        }
        this.logger.info(
          {
            schedule: definition.scheduleId,
            fireAt: fireAt.toISOString(),
            jobId,
            misfire,
            lateMs: this.now() - fireAt.getTime(),
          },
          'schedule fired',
        );
        await this.requestJob(definition, jobId, check.workflowVersion);
        return;
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        last = await this.lastFire(definition);
      }
    }
  }

  /** `workflowVersion`: the one the fire checked (absent on fires before ADR 135: the schedule's). */
  private async requestJob(
    definition: ScheduleDefinition,
    jobId: string,
    workflowVersion = definition.workflowVersion,
  ): Promise<void> {
    const command = RequestJob.create({
      tenantId: definition.tenantId,
      aggregateId: jobId,
      id: `request:${jobId}`,
      data: {
        workflowId: definition.workflowId,
        ...(workflowVersion ? { workflowVersion } : {}),
        variables: definition.variables,
        priority: definition.priority,
        trigger: { kind: 'cron', sourceId: definition.scheduleId },
        ...(definition.placement ? { placement: definition.placement } : {}),
      },
    });
    await this.js.publish(
      subjects.command(definition.tenantId, RequestJob.type),
      encoder.encode(JSON.stringify(command)),
      { msgID: command.id },
    );
  }

  /** The schedule's last fire: one direct read of its subject's last message. */
  private async lastFire(definition: ScheduleDefinition): Promise<LastFire | undefined> {
    const subject = subjects.event(definition.tenantId, 'schedule', definition.scheduleId);
    const message = await directGet(this.jsm, STREAMS.events, { last_by_subj: subject });
    if (!message) return undefined;
    const parsed = scheduleEvents.parseBytes(message.data);
    if (!parsed.ok)
      throw new Error(`schedule ${definition.scheduleId}: unreadable last event: ${parsed.reason}`);
    return {
      sequence: message.seq,
      fireAt: Date.parse(parsed.message.data.fireAt),
      jobId: parsed.message.data.jobId,
      workflowVersion: parsed.message.data.workflowVersion,
      refused: parsed.message.data.refused !== undefined,
    };
  }
}
