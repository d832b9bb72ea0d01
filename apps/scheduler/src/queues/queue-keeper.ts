import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { z } from 'zod';
import {
  MessageRegistry,
  QUEUE_EVENTS,
  QUEUE_TRIGGER_EVENTS,
  QueueAddRequestSchema,
  QueueCompleteRequestSchema,
  QueueFailRequestSchema,
  QueueJobsStarted,
  QueueTakeRequestSchema,
  QueueTriggerRefused,
  RequestJob,
  STREAMS,
  decodeJson,
  newId,
  parseEventSubject,
  subjects,
  type Envelope,
  type QueueEvent,
  type QueueItemReply,
  type QueuePolicy,
  type QueueTakeReply,
  type QueueTriggerEvent,
} from '@aether/contracts';
import { ConcurrencyError, directGet, type EventStore, type EventSubscription } from '@aether/event-store';
import {
  QueueItemRejected,
  foldQueuePolicy,
  itemDeadline,
  itemDurationPercentile,
  itemsAtRisk,
  queueItemId,
  type QueueItemCommand,
  type QueueItemState,
} from '@aether/queue-domain';
import { QueueItems, queueItemEvents } from '@aether/queues';
import type { Logger } from '@aether/service-kit';
import { VersionLookups, checkFire } from '../workflows/published-versions';
import { QueueBook, type BookedItem } from './queue-book';

import { TriggerBackoff, triggeredJobEnd } from './trigger-backoff';
const queueEvents = new MessageRegistry<QueueEvent>(QUEUE_EVENTS);
const triggerEvents = new MessageRegistry<QueueTriggerEvent>(QUEUE_TRIGGER_EVENTS);
const encoder = new TextEncoder();
/** A job whose last event is one of these will not run another step: the item it holds is released. */
const FINAL_JOB_EVENTS: ReadonlySet<string> = new Set([
  'JobCompleted',
  'JobCancelled',
  'JobDeadLettered',
  'JobRejected',
]);
/** Candidates a take tries before answering "none" (each refusal means another replica took it). */
const TAKE_ATTEMPTS = 16;
/** The book counts as caught up once its feeds were quiet this long. */
const QUIET_MS = 300;

export interface QueueKeeperOptions {
  /** How often held items of ended jobs are released and queue triggers fire, in ms. */
  readonly sweepMs: number;
}

/**
 * Serves `queue.next` (a core-NATS request per take, queue group `queue-keeper`), releases the
 * items of jobs that ended without an outcome and fires queue triggers. Its book is folded from
 * the event stream at start and followed live; every change goes through the item decider with
 * an expected sequence, so any number of scheduler replicas can run it.
 */
export class QueueKeeper {
  private readonly book = new QueueBook();
  private readonly items: QueueItems;
  private readonly feeds: EventSubscription[] = [];
  private readonly feeding: Promise<void>[] = [];
  private takeSubscription?: Subscription;
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  /** Pauses a trigger whose jobs keep failing (from one sweep up to a minute). */
  private readonly backoff: TriggerBackoff;
  private caughtUp!: Promise<void>;
  /** Items this process is taking right now: concurrent takes try others. */
  private readonly reserved = new Set<string>();
  /** Jobs seen final: never looked up again. */
  private readonly finalJobs = new Set<string>();
  private stopped = false;
  private readonly versions: VersionLookups;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly store: EventStore,
    private readonly options: QueueKeeperOptions,
    private readonly logger: Logger,
  ) {
    this.items = new QueueItems(store);
    this.backoff = new TriggerBackoff(options.sweepMs, 60_000);
    this.versions = new VersionLookups(store);
  }

  async start(): Promise<void> {
    let lastMessageAt = Date.now();
    const touch = () => (lastMessageAt = Date.now());
    await this.follow(subjects.eventsOf('queue'), (subject, _seq, data) => {
      touch();
      const parsed = queueEvents.parseEvents(data);
      const at = parseEventSubject(subject);
      if (parsed.ok && at)
        for (const event of parsed.messages) this.book.applyPolicy(at.tenantId, at.aggregateId, event.data);
    });
    await this.follow(subjects.eventsOf('queue-trigger'), (subject, seq, data) => {
      touch();
      const parsed = triggerEvents.parseEvents(data);
      const at = parseEventSubject(subject);
      if (parsed.ok && at)
        for (const event of parsed.messages)
          this.book.applyTriggerEvent(at.tenantId, at.aggregateId, seq, event);
    });
    await this.follow(subjects.eventsOf('queue-item'), (subject, _seq, data) => {
      touch();
      const parsed = queueItemEvents.parseEvents(data);
      const at = parseEventSubject(subject);
      if (parsed.ok && at)
        for (const event of parsed.messages) this.book.applyItem(at.tenantId, at.aggregateId, event);
      else if (!parsed.ok)
        this.logger.warn({ subject, reason: parsed.reason }, 'queue item event not readable; ignored');
    });
    this.caughtUp = new Promise<void>((resolve) => {
      const check = () =>
        Date.now() - lastMessageAt >= QUIET_MS ? resolve() : setTimeout(check, QUIET_MS / 3);
      setTimeout(check, QUIET_MS);
    });
    // One subscription for every verb (`aether.ctl.<tenant>.queue.<queue>.<verb>`), dispatched by table.
    const handlers: Record<string, (message: Msg) => Promise<void>> = {
      take: (message) => this.take(message),
      complete: (message) => this.complete(message),
      fail: (message) => this.fail(message),
      add: (message) => this.add(message),
    };
    this.takeSubscription = this.nc.subscribe(subjects.queueItemOp('*', '*', '*'), {
      queue: 'queue-keeper',
      callback: (error, message) => {
        if (error) return;
        const handler = handlers[message.subject.split('.')[5] ?? ''];
        if (!handler) return;
        handler(message).catch((failure: unknown) => {
          this.logger.error({ err: failure, subject: message.subject }, 'queue request failed');
          message.respond(encoder.encode(JSON.stringify({ error: String(failure) })));
        });
      },
    });
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((error: unknown) => this.logger.error({ err: error }, 'queue sweep failed'))
        .finally(() => (this.sweeping = undefined));
    }, this.options.sweepMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.takeSubscription?.drain().catch(() => undefined);
    for (const feed of this.feeds) feed.stop();
    await Promise.allSettled([...this.feeding, this.sweeping]);
  }

  private async follow(
    filter: string,
    apply: (subject: string, sequence: number, data: Uint8Array) => void,
  ): Promise<void> {
    const feed = await this.store.subscribe(filter, 1);
    this.feeds.push(feed);
    this.feeding.push(
      (async () => {
        for await (const message of feed) apply(message.subject, message.seq, message.data);
      })().catch((error: unknown) => {
        if (!this.stopped) this.logger.error({ err: error, filter }, 'queue feed stopped');
      }),
    );
  }

  /** One `queue.next`: the step's own item again, or the first waiting one it can lease. */
  private async take(message: Msg): Promise<void> {
    await this.caughtUp;
    const [, , tenantId, , queue] = message.subject.split('.');
    const decoded = decodeJson(message.data);
    const request = QueueTakeRequestSchema.safeParse(decoded.ok ? decoded.value : undefined);
    if (!request.success) {
      message.respond(
        encoder.encode(JSON.stringify({ error: `invalid take request: ${request.error.message}` })),
      );
      return;
    }
    const { jobId, stepKey, robotId } = request.data;
    const held = this.book.heldBy(tenantId, queue, jobId, stepKey);
    if (held) return reply(message, held.itemId, held.state);
    const candidates = this.book.waiting(tenantId, queue).filter((item) => !this.reserved.has(item.itemId));
    for (const candidate of candidates.slice(0, TAKE_ATTEMPTS)) {
      this.reserved.add(candidate.itemId);
      try {
        const result = await this.items.execute(tenantId, candidate.itemId, {
          type: 'StartItem',
          jobId,
          stepKey,
          robotId,
        });
        for (const event of result.appended) this.book.applyItem(tenantId, candidate.itemId, event);
        return reply(message, candidate.itemId, result.state);
      } catch (error) {
        if (!(error instanceof QueueItemRejected)) throw error;
      } finally {
        this.reserved.delete(candidate.itemId);
      }
    }
    reply(message, undefined, undefined);
  }

  /** `queue.complete`: the holding job finished the item. */
  private async complete(message: Msg): Promise<void> {
    const [tenantId, queue] = addressOf(message);
    const request = parseRequest(message, QueueCompleteRequestSchema);
    if (!request.ok) return respond(message, request.reply);
    const { jobId, itemId, output } = request.value;
    await this.itemCommand(message, tenantId, queue, itemId, { type: 'CompleteItem', jobId, output });
  }

  /** `queue.fail`: business exceptions fail the item, application exceptions retry it. */
  private async fail(message: Msg): Promise<void> {
    const [tenantId, queue] = addressOf(message);
    const request = parseRequest(message, QueueFailRequestSchema);
    if (!request.ok) return respond(message, request.reply);
    const { jobId, itemId, exception, message: reason } = request.value;
    await this.itemCommand(message, tenantId, queue, itemId, {
      type: 'FailItem',
      jobId,
      exception,
      message: reason,
    });
  }

  /** `queue.add`: the item gets the queue's retries and the earlier of its deadline and the SLA. */
  private async add(message: Msg): Promise<void> {
    const [tenantId, queue] = addressOf(message);
    const request = parseRequest(message, QueueAddRequestSchema);
    if (!request.ok) return respond(message, request.reply);
    const { jobId, reference, payload, priority, deadline: given } = request.value;
    const history = await this.store.read(subjects.event(tenantId, 'queue', queue), queueEvents);
    const policy = foldQueuePolicy(history.events.map((stored) => stored.event));
    if (!policy)
      return respond(message, { ok: false, code: 'UnknownQueue', message: `queue ${queue} is not defined` });
    const deadline = itemDeadline(policy, new Date(), given);
    await this.itemCommand(message, tenantId, queue, queueItemId(queue, reference), {
      type: 'AddItem',
      queue,
      reference,
      payload,
      priority,
      ...(deadline ? { deadline } : {}),
      maxRetries: policy.maxRetries,
      addedBy: { kind: 'workflow', jobId },
    });
  }

  private async itemCommand(
    message: Msg,
    tenantId: string,
    queue: string,
    itemId: string,
    command: QueueItemCommand,
  ): Promise<void> {
    try {
      const { state } = await this.items.read(tenantId, itemId);
      if (command.type !== 'AddItem' && state.status !== 'absent' && state.queue !== queue)
        return respond(message, {
          ok: false,
          code: 'NotHeld',
          message: `item ${itemId} belongs to queue ${state.queue}, not ${queue}`,
          itemId,
        });
      const result = await this.items.execute(tenantId, itemId, command);
      for (const event of result.appended) this.book.applyItem(tenantId, itemId, event);
      respond(message, {
        ok: true,
        itemId,
        status: result.state.status === 'absent' ? 'new' : result.state.status,
        ...(result.state.deadline ? { deadline: result.state.deadline } : {}),
      });
    } catch (error) {
      if (!(error instanceof QueueItemRejected)) throw error;
      respond(message, { ok: false, code: error.code, message: error.message, itemId });
    }
  }

  private async sweep(): Promise<void> {
    await this.caughtUp;
    await this.releaseEndedJobs();
    await this.watchDeadlines(Date.now());
    for (const { tenantId, queue, policy } of this.book.queues())
      if (policy.trigger && !this.stopped) await this.fireTrigger(tenantId, queue, policy);
  }

  private async releaseEndedJobs(): Promise<void> {
    for (const item of this.book.inProgress()) {
      const jobId = item.state.jobId as string;
      const last = await this.lastJobEvent(item.tenantId, jobId);
      if (!last || !FINAL_JOB_EVENTS.has(last.type)) continue;
      await this.release(item, jobId, last.type);
    }
  }

  /**
   * Items past their deadline get `QueueItemDeadlineMissed` (and fail when the queue says so);
   * waiting items whose predicted finish (take order, the trigger's concurrent jobs, the queue's
   * p95 item duration) passes their deadline get `QueueItemAtRisk`, once each.
   */
  private async watchDeadlines(now: number): Promise<void> {
    for (const { tenantId, queue, policy } of this.book.queues()) {
      if (this.stopped) return;
      for (const item of this.book.unfinished(tenantId, queue))
        if (item.state.deadline && !item.state.deadlineMissed && Date.parse(item.state.deadline) < now)
          await this.decide(item, {
            type: 'MissDeadline',
            now: new Date(now).toISOString(),
            consequence: policy.onDeadlineMissed ?? 'keep',
          });
      const p95 = itemDurationPercentile(
        this.book.itemsOf(tenantId, queue).map((item) => item.state),
        95,
      );
      if (p95 === undefined) continue;
      const waiting = this.book
        .waiting(tenantId, queue)
        .map((booked) => ({ booked, ...(booked.state.deadline ? { deadline: booked.state.deadline } : {}) }));
      for (const risk of itemsAtRisk(waiting, now, policy.trigger?.maxConcurrentJobs ?? 1, p95))
        if (!risk.item.booked.state.atRisk)
          await this.decide(risk.item.booked, {
            type: 'FlagAtRisk',
            predictedFinish: new Date(risk.predictedFinish).toISOString(),
            ahead: risk.ahead,
          });
    }
  }

  private async decide(item: BookedItem, command: QueueItemCommand): Promise<void> {
    const result = await this.items.execute(item.tenantId, item.itemId, command);
    for (const event of result.appended) {
      this.book.applyItem(item.tenantId, item.itemId, event);
      this.logger.warn({ itemId: item.itemId, type: event.type, data: event.data }, 'queue item deadline');
    }
  }

  private async release(item: BookedItem, jobId: string, reason: string): Promise<void> {
    const result = await this.items.execute(item.tenantId, item.itemId, {
      type: 'ReleaseItem',
      jobId,
      reason,
    });
    for (const event of result.appended) {
      this.book.applyItem(item.tenantId, item.itemId, event);
      this.logger.info(
        { itemId: item.itemId, jobId, reason, status: item.state.status },
        'queue item released',
      );
    }
  }

  /** Starts jobs while items wait: `ceil(waiting / itemsPerJob)`, at most `maxConcurrentJobs` running. */
  private async fireTrigger(tenantId: string, queue: string, policy: QueuePolicy): Promise<void> {
    const trigger = policy.trigger;
    if (!trigger) return;
    const waiting = this.book.waiting(tenantId, queue).length;
    const fired = this.book.trigger(tenantId, queue);
    // What was decided from: a fire another replica appends meanwhile makes this one's append fail.
    const { lastSequence } = fired;
    const queueKey = `${tenantId}/${queue}`;
    let active = 0;
    for (const jobId of fired.jobIds) {
      if (this.finalJobs.has(jobId)) continue;
      const last = await this.lastJobEvent(tenantId, jobId);
      if (last && FINAL_JOB_EVENTS.has(last.type)) {
        this.finalJobs.add(jobId);
        this.backoff.ended(queueKey, triggeredJobEnd(last.type), Date.now());
      } else {
        active++;
        // The replica that fired may have died before sending the request: send it again (its id de-duplicates).
        if (!last) await this.requestJob(tenantId, queue, policy, jobId, fired.versions.get(jobId));
      }
    }
    const wanted = Math.min(trigger.maxConcurrentJobs, Math.ceil(waiting / trigger.itemsPerJob)) - active;
    if (wanted <= 0 || !this.backoff.mayFire(queueKey, Date.now())) return;
    // A queue trigger passes only the queue's name (ADR 135): a version refusing it starts no job.
    const check = await checkFire(this.versions, tenantId, trigger.workflowId, undefined, { queue });
    if (!check.ok) {
      const { refused } = fired;
      if (
        refused?.workflowId === trigger.workflowId &&
        refused.workflowVersion === check.refusal.workflowVersion
      )
        return;
      const event = QueueTriggerRefused.create({
        tenantId,
        aggregateId: queue,
        data: { ...check.refusal, workflowId: trigger.workflowId, waiting },
      });
      if (await this.appendFire(tenantId, queue, lastSequence, event))
        this.logger.warn(
          { queue, tenantId, waiting, reason: check.refusal.reason },
          'queue trigger refused: the workflow version refuses its input; no job started',
        );
      return;
    }
    const jobIds = Array.from({ length: wanted }, () => newId());
    const event = QueueJobsStarted.create({
      tenantId,
      aggregateId: queue,
      data: { jobIds, waiting, workflowVersion: check.workflowVersion },
    });
    if (!(await this.appendFire(tenantId, queue, lastSequence, event))) return;
    this.logger.info(
      { queue, tenantId, waiting, active, started: jobIds.length },
      'queue trigger started jobs',
    );
    for (const jobId of jobIds) await this.requestJob(tenantId, queue, policy, jobId, check.workflowVersion);
  }

  /** Appends a fire with the trigger's expected last sequence; false when another replica fired first. */
  private async appendFire(
    tenantId: string,
    queue: string,
    lastSequence: number,
    event: QueueTriggerEvent,
  ): Promise<boolean> {
    try {
      const result = await this.store.append(
        subjects.event(tenantId, 'queue-trigger', queue),
        [event],
        lastSequence,
      );
      this.book.applyTriggerEvent(tenantId, queue, result.lastSequence, event);
      return true;
    } catch (error) {
      if (error instanceof ConcurrencyError) return false; // the feed brings the other replica's fire
      throw error;
    }
  }

  private async requestJob(
    tenantId: string,
    queue: string,
    policy: QueuePolicy,
    jobId: string,
    workflowVersion: number | undefined,
  ): Promise<void> {
    const trigger = policy.trigger;
    if (!trigger) return;
    const command = RequestJob.create({
      tenantId,
      aggregateId: jobId,
      id: `request:${jobId}`,
      data: {
        workflowId: trigger.workflowId,
        ...(workflowVersion ? { workflowVersion } : {}),
        variables: { queue },
        priority: trigger.priority ?? 10,
        trigger: { kind: 'queue', sourceId: queue },
        ...(trigger.pool ? { placement: { requires: { pool: trigger.pool } } } : {}),
      },
    });
    await this.js.publish(
      subjects.command(tenantId, RequestJob.type),
      encoder.encode(JSON.stringify(command)),
      {
        msgID: command.id,
      },
    );
  }

  /** The type of the job's last event, without reading its history; `undefined` before its first. */
  private async lastJobEvent(tenantId: string, jobId: string): Promise<Pick<Envelope, 'type'> | undefined> {
    const stored = await directGet(this.jsm, STREAMS.events, {
      last_by_subj: subjects.event(tenantId, 'job', jobId),
    });
    if (!stored) return undefined;
    const decoded = decodeJson(stored.data);
    if (!decoded.ok) return undefined;
    const body = decoded.value as Envelope | Envelope[];
    return Array.isArray(body) ? body.at(-1) : body;
  }
}

function addressOf(message: Msg): [tenantId: string, queue: string] {
  const [, , tenantId = '', , queue = ''] = message.subject.split('.');
  return [tenantId, queue];
}

function parseRequest<S extends z.ZodType>(
  message: Msg,
  schema: S,
): { ok: true; value: z.infer<S> } | { ok: false; reply: QueueItemReply } {
  const decoded = decodeJson(message.data);
  const parsed = schema.safeParse(decoded.ok ? decoded.value : undefined);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, reply: { ok: false, code: 'InvalidRequest', message: parsed.error.message } };
}

function respond(message: Msg, body: QueueItemReply): void {
  message.respond(encoder.encode(JSON.stringify(body)));
}

function reply(message: Msg, itemId: string | undefined, state: QueueItemState | undefined): void {
  const body: QueueTakeReply = {
    item:
      itemId && state
        ? {
            itemId,
            reference: state.reference as string,
            payload: state.payload ?? {},
            priority: state.priority ?? 10,
            ...(state.deadline ? { deadline: state.deadline } : {}),
            attempt: state.attempts,
          }
        : null,
  };
  message.respond(encoder.encode(JSON.stringify(body)));
}
