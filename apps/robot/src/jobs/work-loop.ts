import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { MessageRegistry, STREAMS, WORK_MESSAGES, subjects, type WorkMessage } from '@aether/contracts';
import { ensureConsumer, nanos, quarantine } from '@aether/event-store';
import type { Logger } from '@aether/service-kit';
import type { JobRunner } from './job-runner';

const workMessages = new MessageRegistry<WorkMessage>(WORK_MESSAGES);

export interface WorkLoopOptions {
  pool: string;
  /** `ack_wait` of the work consumer: how long a silent robot keeps a job. */
  leaseMs: number;
  /** Deliveries of one job before it is failed for good. */
  maxDeliver: number;
  /** Jobs this robot runs at once. */
  concurrency: number;
  /** How long a running step may take to finish after shutdown begins. */
  shutdownGraceMs: number;
}

/**
 * Claims jobs from the pool's durable pull consumer. Holding the message un-acked is
 * holding the lease; `working()` on a timer well inside `ack_wait` keeps it while the
 * job runs. On stop, running jobs finish their current step and are released (`nak`
 * without delay) so another robot resumes them at once.
 */
export class WorkLoop {
  private readonly stopping = new AbortController();
  private readonly abortSteps = new AbortController();
  private slots: Promise<void>[] = [];
  readonly active = new Set<string>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly runner: JobRunner,
    private readonly options: WorkLoopOptions,
    private readonly logger: Logger,
  ) {}

  get durable(): string {
    return `pool-${this.options.pool}`;
  }

  async start(): Promise<void> {
    await ensureConsumer(this.jsm, STREAMS.work, {
      durable_name: this.durable,
      filter_subject: subjects.poolWork('*', this.options.pool),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.options.leaseMs),
      max_deliver: this.options.maxDeliver,
      max_ack_pending: 10_000,
    });
    this.slots = Array.from({ length: this.options.concurrency }, () => this.slot());
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    const grace = setTimeout(() => this.abortSteps.abort(), this.options.shutdownGraceMs);
    await Promise.allSettled(this.slots);
    clearTimeout(grace);
  }

  private async slot(): Promise<void> {
    const consumer = await this.js.consumers.get(STREAMS.work, this.durable);
    while (!this.stopping.signal.aborted) {
      let message: JsMsg | null = null;
      try {
        message = await consumer.next({ expires: 1_000 });
      } catch (error) {
        if (this.stopping.signal.aborted) break;
        this.logger.warn({ err: error }, 'pulling work failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      if (message) await this.handle(message);
    }
  }

  private async handle(message: JsMsg): Promise<void> {
    const parsed = workMessages.parseBytes(message.data);
    if (!parsed.ok) {
      await quarantine(this.js, this.durable, message, parsed.reason);
      message.term();
      return;
    }
    const work = parsed.message;
    const keepLease = setInterval(
      () => message.working(),
      Math.max(250, Math.floor(this.options.leaseMs / 3)),
    );
    this.active.add(work.aggregateId);
    try {
      const outcome = await this.runner.run({
        work,
        delivery: message.info.deliveryCount,
        stopping: this.stopping.signal,
        abortStep: this.abortSteps.signal,
      });
      switch (outcome) {
        case 'completed':
        case 'failed':
        case 'already-finished':
          await message.ackAck();
          return;
        case 'released':
          message.nak();
          return;
        case 'fenced':
          return;
        default: {
          const _exhaustive: never = outcome;
          return _exhaustive;
        }
      }
    } catch (error) {
      this.logger.error({ err: error, jobId: work.aggregateId }, 'job run failed; it will be redelivered');
      message.nak(2_000);
    } finally {
      clearInterval(keepLease);
      this.active.delete(work.aggregateId);
    }
  }
}
