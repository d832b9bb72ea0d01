import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  MessageRegistry,
  STREAMS,
  WORK_MESSAGES,
  subjects,
  type TenantId,
  type WorkMessage,
} from '@aether/contracts';
import {
  DeliveryCounts,
  ensureConsumer,
  poolWorkConsumer,
  quarantine,
  robotWorkConsumer,
} from '@aether/event-store';
import type { Logger } from '@aether/service-kit';
import { SpanKind, extractTraceContext, withSpan } from '@aether/telemetry';
import type { JobRunner } from './job-runner';
import { UnansweredPull, WorkPuller, type WorkDelivery } from './work-puller';

const workMessages = new MessageRegistry<WorkMessage>(WORK_MESSAGES);
/** How long one pull waits for work before it is sent again. */
const PULL_EXPIRES_MS = 1_000;

/** Acks or naks a finished claim's work message. */
type Settle = () => void;

interface RunningClaim {
  /** The delivery the claim started from. */
  readonly message: WorkDelivery;
  /** Cancels the claim (a cancel nudge). */
  readonly cancel: AbortController;
  /** The latest delivery of the same message while the claim ran, which the claim keeps (ADR 113). */
  redelivery?: WorkDelivery;
}

/** Outcomes recorded in the job's log that end this robot's part in the job: its message is acked. */
const endsTheJob = (outcome: Awaited<ReturnType<JobRunner['run']>>): boolean =>
  outcome !== 'released' && outcome !== 'fenced';

export interface WorkLoopOptions {
  pool: string;
  /** `ack_wait` of the work consumer: how long a silent robot keeps a job. */
  leaseMs: number;
  /**
   * Deliveries of one job before it is failed for good. The robot counts them, not the server
   * (ADR 71): a delivery past this is dead-lettered without running.
   */
  maxDeliver: number;
  /** Jobs this robot runs at once. */
  concurrency: number;
  /** How long a running step may take to finish after shutdown begins. */
  shutdownGraceMs: number;
  /**
   * When set, work is pulled from this robot's own durable consumer (`robot-<id>`, on
   * `subjects.robotWork`), where the dispatcher places jobs; the pool consumer stays unread.
   */
  robotId?: string;
  /** The robot's tenant: it hears only that tenant's cancel nudges (placement never crosses tenants). */
  tenantId: TenantId;
  /**
   * Running under its own least-privilege credentials (ADR 38): the robot may not create
   * consumers, so it only checks that its own exists (made when it was enrolled) and takes the
   * lease from that consumer's `ack_wait`.
   */
  bindOnly?: boolean;
  /** The connection's inbox prefix, for the puller's reply subjects (ADR 38: `_INBOX.<tenant>.<robot>`). */
  inboxPrefix?: string;
}

/** The robot runs with its own credentials but its work consumer was never made. */
export class MissingWorkConsumerError extends Error {
  override readonly name = 'MissingWorkConsumerError';
}

/**
 * Claims jobs from the pool's durable pull consumer. Holding the message un-acked is
 * holding the lease; `working()` on a timer well inside `ack_wait` keeps it while the
 * job runs. On stop, running jobs finish their current step and are released (`nak`
 * without delay) so another robot resumes them at once.
 */
export type ClaimObserver = (
  outcome: Awaited<ReturnType<JobRunner['run']>> | 'error',
  delivery: number,
) => void;

export class WorkLoop {
  private readonly stopping = new AbortController();
  /** No new work: set by `stop` and by `finish` (which lets running jobs run to their end). */
  private readonly noMoreWork = new AbortController();
  private readonly abortSteps = new AbortController();
  private slots: Promise<void>[] = [];
  private control?: Subscription;
  private readonly stopHooks: (() => Promise<void>)[] = [];
  /**
   * Running jobs and their claims. One job can have two: a message placed again on this robot (a
   * new stream sequence) runs beside the stale claim, which its first commit fences.
   */
  private readonly running = new Map<string, Set<RunningClaim>>();
  private claimObserver: ClaimObserver = () => undefined;
  private stopped?: Promise<void>;
  /** This robot's own count of each message's deliveries (ADR 71, 117). */
  private readonly deliveries = new DeliveryCounts((fields, warning) => this.logger.warn(fields, warning));

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly runner: JobRunner,
    private options: WorkLoopOptions,
    private readonly logger: Logger,
  ) {}

  /** Told how each claim ended (`error`: the run threw) and on which delivery of its message. */
  observeClaims(observer: ClaimObserver): void {
    this.claimObserver = observer;
  }

  get durable(): string {
    return `pool-${this.options.pool}`;
  }

  private get workDurable(): string {
    return this.options.robotId ? `robot-${this.options.robotId}` : this.durable;
  }

  async start(): Promise<void> {
    if (this.options.bindOnly) await this.bind();
    else {
      const settings = { leaseMs: this.options.leaseMs };
      await ensureConsumer(this.jsm, STREAMS.work, poolWorkConsumer(this.options.pool, settings));
      if (this.options.robotId)
        await ensureConsumer(this.jsm, STREAMS.work, robotWorkConsumer(this.options.robotId, settings));
    }
    // Cancel requests are recorded as events by the gateway; this core-NATS nudge only makes
    // the running robot notice within milliseconds instead of at its next append.
    this.control = this.nc.subscribe(subjects.jobControl(this.options.tenantId, '*', 'cancel'), {
      callback: (error, message) => {
        if (error) return;
        const jobId = message.subject.split('.')[4];
        for (const claim of this.running.get(jobId) ?? []) claim.cancel.abort();
      },
    });
    this.slots = Array.from({ length: this.options.concurrency }, () => this.slot());
  }

  /** Checks the consumer the enrolment made and keeps its lease, so `working()` beats it. */
  private async bind(): Promise<void> {
    try {
      const info = await this.jsm.consumers.info(STREAMS.work, this.workDurable);
      this.options = {
        ...this.options,
        leaseMs: Math.round((info.config.ack_wait ?? 0) / 1e6) || this.options.leaseMs,
      };
    } catch (error) {
      throw new MissingWorkConsumerError(
        `work consumer ${this.workDurable} cannot be read (${(error as Error).message}): ` +
          'a robot with its own credentials binds to the consumer its enrolment made',
      );
    }
  }

  get active(): string[] {
    return [...this.running.keys()];
  }

  /**
   * An operator's drain: take no new work and let the jobs it runs finish (not released);
   * resolves once the last one has. A `stop` meanwhile releases them after their current step.
   */
  async finish(): Promise<void> {
    this.noMoreWork.abort();
    await Promise.allSettled(this.slots);
  }

  /** Stops once; a second call waits for the first. */
  stop(): Promise<void> {
    this.stopped ??= this.stopOnce();
    return this.stopped;
  }

  private async stopOnce(): Promise<void> {
    this.noMoreWork.abort();
    this.stopping.abort();
    const grace = setTimeout(() => this.abortSteps.abort(), this.options.shutdownGraceMs);
    await Promise.allSettled(this.slots);
    clearTimeout(grace);
    this.control?.unsubscribe();
    for (const hook of this.stopHooks) await hook();
  }

  /** Runs after the last job stopped: release what the handlers hold. */
  onStopped(hook: () => Promise<void>): void {
    this.stopHooks.push(hook);
  }

  private async slot(): Promise<void> {
    const puller = new WorkPuller(this.nc, STREAMS.work, this.workDurable, this.options.inboxPrefix);
    let settle: Settle | undefined;
    /** The pull that left with the last job's ack (ADR 24), when one did. */
    let pulled: Promise<WorkDelivery | null> | undefined;
    const pullNext = (acking: WorkDelivery) => {
      pulled = puller.next(PULL_EXPIRES_MS, acking);
      pulled.catch(() => undefined); // awaited in the loop; this only keeps it from counting as unhandled
    };
    while (!this.noMoreWork.signal.aborted) {
      let message: WorkDelivery | null = null;
      try {
        // Settling the last job and pulling the next leave in one socket write; the server
        // takes the ack before the pull, so this robot never holds two leases.
        settle?.();
        settle = undefined;
        message = await (pulled ?? puller.next(PULL_EXPIRES_MS));
      } catch (error) {
        if (this.noMoreWork.signal.aborted) break;
        if (this.nc.isClosed()) {
          this.logger.error({ err: error }, 'the connection is closed for good; pulling no more work');
          break;
        }
        if (error instanceof UnansweredPull) {
          // It waited out its expiry and grace already: pulling again at once cannot spin.
          this.logger.info({ reason: error.message }, 'a pull went unanswered; pulling again');
          continue;
        }
        this.logger.warn({ err: error }, 'pulling work failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      } finally {
        pulled = undefined;
      }
      if (message && this.noMoreWork.signal.aborted) {
        message.nak(); // it arrived after the drain began: another robot runs it
        break;
      }
      if (message)
        settle = await this.handle(message, (finished) => {
          if (this.noMoreWork.signal.aborted) finished.ack();
          else pullNext(finished);
        });
    }
    settle?.();
    // A job that arrived for the pull sent with the last ack goes back at once.
    (await pulled?.catch(() => null))?.nak();
    puller.close();
  }

  /**
   * Runs one claimed job; what to do with its message is returned, not done (see `slot`) — unless
   * the job's last commit released the claim: then `released` acks the message in that commit's
   * tick, with the next pull when one is to follow.
   */
  private async handle(
    message: WorkDelivery,
    released: (message: WorkDelivery) => void,
  ): Promise<Settle | undefined> {
    const parsed = workMessages.parseBytes(message.data);
    if (!parsed.ok) {
      await quarantine(this.js, this.durable, message, parsed.reason);
      message.term();
      return undefined;
    }
    const work = parsed.message;
    const delivery = this.deliveries.count(message.seq, message.info.deliveryCount, work.aggregateId);
    const runningClaim = [...(this.running.get(work.aggregateId) ?? [])].find(
      (claim) => claim.message.seq === message.seq,
    );
    if (runningClaim) return this.keepRunning(runningClaim, message, work.aggregateId);
    if (delivery > this.options.maxDeliver) {
      // The deliveries before ended without a failed last run: released, leases that ran out, a
      // dead-lettering that failed, or a redelivery the server counted but never sent (ADR 71).
      await this.deadLetter(message, work, `gave up after ${delivery - 1} deliveries`);
      return undefined;
    }
    const cancel = new AbortController();
    const claim: RunningClaim = { message, cancel };
    const keepLease = setInterval(
      () => {
        message.working();
        claim.redelivery?.working();
      },
      Math.max(250, Math.floor(this.options.leaseMs / 3)),
    );
    const claims = this.running.get(work.aggregateId) ?? new Set<RunningClaim>();
    this.running.set(work.aggregateId, claims.add(claim));
    let settled = false;
    try {
      const outcome = await withSpan(
        'claim job',
        {
          kind: SpanKind.CONSUMER,
          parent: extractTraceContext(message.headers),
          attributes: {
            'messaging.system': 'nats',
            'messaging.operation.type': 'process',
            'messaging.destination.name': message.subject,
            'messaging.nats.delivery_count': delivery,
            'aether.job.id': work.aggregateId,
            'aether.workflow.id': work.data.workflowId,
            'aether.robot.id': this.options.robotId ?? '',
          },
        },
        async (span) => {
          const ran = await this.runner.run({
            work,
            delivery,
            stopping: this.stopping.signal,
            abortStep: this.abortSteps.signal,
            cancelled: cancel.signal,
            release: () => {
              settled = true;
              clearInterval(keepLease);
              released(message);
            },
          });
          span?.setAttribute('aether.claim.outcome', ran);
          return ran;
        },
      );
      this.claimObserver(outcome, delivery);
      // A redelivery this claim took over is acked with it: its first ack may have been lost.
      const ackRedelivery = () => claim.redelivery?.ack();
      if (settled) {
        if (endsTheJob(outcome)) ackRedelivery();
        return undefined;
      }
      switch (outcome) {
        case 'completed':
        case 'failed':
        case 'already-finished':
        case 'parked':
        case 'cancelled':
        case 'superseded':
          // Unconfirmed: the outcome is in the job's log, so if this ack is lost the redelivery
          // reads it there and is acked as already finished.
          return () => (message.ack(), ackRedelivery());
        case 'released':
          return () => message.nak();
        case 'fenced':
          return undefined;
        default: {
          const _exhaustive: never = outcome;
          return _exhaustive;
        }
      }
    } catch (error) {
      this.claimObserver('error', delivery);
      if (settled) {
        // The lease is gone with the ack; the dispatcher places the job again once this robot stops.
        this.logger.error({ err: error, jobId: work.aggregateId }, "the job's last commit did not land");
        return undefined;
      }
      if (delivery >= this.options.maxDeliver) {
        await this.deadLetter(
          message,
          work,
          `gave up after ${delivery} deliveries: ${(error as Error).message}`,
        );
        return undefined;
      }
      this.logger.error({ err: error, jobId: work.aggregateId }, 'job run failed; it will be redelivered');
      message.nak(Math.min(30_000, 1_000 * 2 ** (delivery - 1)));
      return undefined;
    } finally {
      clearInterval(keepLease);
      claims.delete(claim);
      if (claims.size === 0) this.running.delete(work.aggregateId);
    }
  }

  /**
   * The message a claim of this robot runs came again (ADR 113): nats-server 2.9.10 can deliver
   * it again after losing its delivery record to a SIGKILL, or as nats-server#3942 (ADR 71, 103).
   * The running claim holds the job and fences every commit, so a second one would only fence it
   * and run its open step again. It keeps the job and the new delivery's lease; when it ends with
   * an ack, the new delivery is acked too.
   */
  private keepRunning(claim: RunningClaim, message: WorkDelivery, jobId: string): undefined {
    message.working();
    claim.redelivery = message;
    this.logger.info(
      { jobId, delivery: message.info.deliveryCount, claimDelivery: claim.message.info.deliveryCount },
      'delivered again while this robot runs it; the running claim keeps it',
    );
    return undefined;
  }

  /** The job's deliveries ran out: record it as failed for good and keep the message in quarantine. */
  private async deadLetter(message: WorkDelivery, work: WorkMessage, reason: string): Promise<void> {
    try {
      await this.runner.failForGood(work, reason);
      await quarantine(this.js, this.durable, message, reason);
      message.term();
      this.logger.error({ jobId: work.aggregateId, reason }, 'job dead-lettered');
    } catch (failure) {
      this.logger.error(
        { err: failure, jobId: work.aggregateId },
        'could not dead-letter; trying again on its redelivery',
      );
      message.nak(5_000);
    }
  }
}
