import type { JsMsg } from '@nats-io/jetstream';
import {
  HEALING_EVENTS,
  JOB_EVENTS,
  MessageRegistry,
  QUEUE_EVENTS,
  QUEUE_ITEM_EVENTS,
  WORKFLOW_EVENTS,
  parseEventSubject,
  subjects,
  type AggregateType,
  type Envelope,
} from '@aether/contracts';
import type { EventStore, EventSubscription } from '@aether/event-store';
import type { JobProjection, ProjectableEvent, StreamIdentity } from '@aether/read-model';
import type { Logger } from '@aether/service-kit';
import { Counter, Histogram, type Registry } from 'prom-client';

/** The events that end a job (or, for a failure, an attempt), and the outcome each stands for. */
const JOB_ENDS = new Map([
  ['JobCompleted', 'completed'],
  ['JobFailed', 'failed'],
  ['JobCancelled', 'cancelled'],
]);

/** The events the read model is built from. */
export const PROJECTED_EVENTS = [
  ...JOB_EVENTS,
  ...WORKFLOW_EVENTS,
  ...HEALING_EVENTS,
  ...QUEUE_EVENTS,
  ...QUEUE_ITEM_EVENTS,
];
const registry = new MessageRegistry<Envelope>(PROJECTED_EVENTS);
/** Names the projector's rejects in quarantine (`aether quarantine --consumer projector`). */
export const PROJECTOR_CONSUMER = 'projector';
/** Aggregates whose every event the read model needs: one it cannot read is quarantined. */
export const PROJECTED_AGGREGATES: ReadonlySet<string> = new Set<AggregateType>([
  'job',
  'workflow',
  'selector',
  'proposal',
  'queue',
  'queue-item',
]);

export interface ProjectionBatching {
  /** Most events in one transaction. */
  readonly maxEvents: number;
  /** How long a batch stays open for more events after its first one, in ms. */
  readonly lingerMs: number;
}

/**
 * Follows the EVENTS stream from the projection's checkpoint and applies it in batches:
 * a batch closes when it is full, or once it has lingered `lingerMs` and no further message
 * has been delivered — fewer, larger transactions under load, at most `lingerMs` of delay
 * when idle.
 */
export class Projector {
  private subscription?: EventSubscription;
  private running?: Promise<void>;
  private stopping = false;
  private readonly applied: Counter<'type'>;
  private readonly lag: Histogram;
  private readonly batchSize: Histogram;
  private readonly jobDuration: Histogram<'workflow' | 'outcome'>;

  constructor(
    private readonly store: EventStore,
    private readonly projection: JobProjection,
    private readonly logger: Logger,
    private readonly batching: ProjectionBatching,
    metrics: Registry,
  ) {
    this.applied = new Counter({
      name: 'aether_projected_events_total',
      help: "Events applied to the read model, by type: the platform's outcomes (JobCompleted, JobDeadLettered, SelectorHealed …) as rates",
      labelNames: ['type'],
      registers: [metrics],
    });
    this.lag = new Histogram({
      name: 'aether_projection_lag_seconds',
      help: 'Time from an event occurring to its projection committing',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [metrics],
    });
    this.batchSize = new Histogram({
      name: 'aether_projection_batch_size',
      help: 'Events applied per projection transaction',
      buckets: [1, 10, 50, 100, 250, 500, 1000],
      registers: [metrics],
    });
    this.jobDuration = new Histogram({
      name: 'aether_job_duration_seconds',
      help: "Time from a job's request to its end, by workflow and outcome (completed, cancelled, or failed: each failed attempt, retries follow)",
      labelNames: ['workflow', 'outcome'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers: [metrics],
    });
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.subscription?.stop();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        const stream = await this.store.streamIdentity();
        const { from, rebuilt } = await this.projection.adopt(stream);
        if (rebuilt)
          this.logger.warn(
            {
              checkpoint: rebuilt.checkpoint,
              checkpointStream: rebuilt.checkpointStream,
              stream: stream.created,
              streamLastSequence: stream.lastSequence,
            },
            `the read model's checkpoint is for ${rebuilt.reason === 'another stream' ? 'another EVENTS stream' : 'events past the end of the EVENTS stream'}: read model emptied, rebuilding from sequence 1`,
          );
        this.logger.info({ from, stream: stream.created }, 'projecting events');
        const subscription = await this.store.subscribe(subjects.allEvents, from, {
          batch: this.batching.maxEvents,
        });
        this.subscription = subscription;
        // `stop()` may have come while the checkpoint was adopted (a rebuild beside another
        // projector waits for its lock), before there was a subscription to stop.
        if (this.stopping) {
          subscription.stop();
          break;
        }
        const messages = subscription[Symbol.asyncIterator]();
        let batch: ProjectableEvent[] = [];
        let openedAt = 0;
        try {
          for (let next = messages.next(); ;) {
            const result = await next;
            if (result.done) break;
            const message = result.value;
            if (batch.length === 0) openedAt = performance.now();
            // A commit's events share its sequence, so they are never split across two batches.
            const parsed = registry.parseEvents(message.data);
            if (parsed.ok) for (const event of parsed.messages) batch.push({ sequence: message.seq, event });
            else batch.push(await this.passOver(message, parsed.reason));
            next = messages.next();
            // Messages already delivered resolve `next` within microtasks; others are waited for
            // until the batch has lingered. The message's `pending` count cannot decide it: it
            // reaches 0 at the tail while hundreds sit in this client, and nats-server 2.9 can
            // overcount it for a filtered consumer started mid-stream, so it never reaches 0.
            const linger = this.batching.lingerMs - (performance.now() - openedAt);
            if (batch.length >= this.batching.maxEvents || !(await arrivesWithin(next, linger))) {
              await this.flush(batch, stream);
              batch = [];
            }
          }
        } finally {
          subscription.stop();
        }
        if (batch.length) await this.flush(batch, stream);
      } catch (error) {
        if (this.stopping) break;
        this.logger.error({ err: error }, 'projection failed; resuming from the checkpoint');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /**
   * A placeholder that moves the checkpoint past a message this projection cannot read. Robots'
   * and schedules' events are not projected and are passed over quietly; an event of an
   * aggregate the read model holds goes to quarantine first, so an operator sees what the read
   * model lacks. If quarantining fails, the batch fails and is projected again from the checkpoint.
   */
  private async passOver(message: JsMsg, reason: string): Promise<ProjectableEvent> {
    const aggregate = parseEventSubject(message.subject)?.aggregate;
    if (aggregate && PROJECTED_AGGREGATES.has(aggregate)) {
      await this.store.quarantine(PROJECTOR_CONSUMER, message, reason);
      this.logger.error(
        { seq: message.seq, subject: message.subject, reason },
        'event quarantined, not projected',
      );
    }
    return { sequence: message.seq };
  }

  private async flush(batch: ProjectableEvent[], stream: StreamIdentity): Promise<void> {
    const applied = await this.projection.apply(batch, stream);
    const now = Date.now();
    // What this transaction applied: beside a second projector (ADR 80) a batch may hold only
    // events the other one applied first, which are not this one's work.
    if (applied.length > 0) this.batchSize.observe(applied.length);
    const ends: Envelope[] = [];
    for (const event of applied) {
      this.applied.inc({ type: event.type });
      this.lag.observe((now - Date.parse(event.occurredAt)) / 1000);
      if (JOB_ENDS.has(event.type)) ends.push(event);
    }
    if (ends.length) await this.observeDurations(ends);
  }

  private async observeDurations(ends: readonly Envelope[]): Promise<void> {
    const jobs = ends.map((event) => ({ tenantId: event.tenantId, jobId: event.aggregateId }));
    const durations = await this.projection.durations(jobs).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'job durations not read; metric skipped');
      return new Map<string, { workflowId: string; seconds: number }>();
    });
    for (const event of ends) {
      const job = durations.get(`${event.tenantId}/${event.aggregateId}`);
      if (job)
        this.jobDuration.observe(
          { workflow: job.workflowId, outcome: JOB_ENDS.get(event.type) },
          job.seconds,
        );
    }
  }
}

/**
 * Whether `next` settles within `ms` (≤ 0: before the event loop turns, i.e. a message already
 * delivered). A failure counts as settled: the caller awaits `next` and sees it.
 */
async function arrivesWithin(next: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = ms > 0 ? setTimeout(() => resolve(false), ms) : setImmediate(() => resolve(false));
  });
  const settled = next.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    if (ms > 0) clearTimeout(timer as NodeJS.Timeout);
    else clearImmediate(timer as NodeJS.Immediate);
  }
}
