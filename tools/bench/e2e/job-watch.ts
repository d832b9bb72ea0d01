import { connect, type NatsConnection } from '@nats-io/transport-node';
import { JOB_EVENTS, MessageRegistry, subjects, type JobEvent } from '@aether/contracts';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);

/** What a subscriber to a job's events saw of it. */
export interface WatchedJob {
  /** When the first `StepStarted` reached this process (`performance.now()`). */
  firstStepAt?: number;
  /** When the job's outcome reached this process (`performance.now()`). */
  endedAt?: number;
  outcome?: string;
  /** Each step's `StepStarted` and outcome, by the robot's clock (epoch ms). */
  readonly steps: Map<string, { startedAt: number; endedAt?: number; nodeId: string }>;
  /** The scheduler's clock at `JobRequested`, the robot's at `JobStarted` and at the outcome (epoch ms). */
  requestedOccurredAt?: number;
  startedOccurredAt?: number;
  endedOccurredAt?: number;
}

const OUTCOMES = new Set(['JobCompleted', 'JobFailed', 'JobCancelled', 'JobNeedsAttention', 'JobRejected']);

/**
 * Follows every job's events on core NATS as they are stored, and resolves `ended(jobId)` when
 * the job's outcome arrives: the benchmark's clock for a job, without polling the read model.
 */
export class JobWatch {
  private readonly jobs = new Map<string, WatchedJob>();
  private readonly waiting = new Map<string, () => void>();

  private constructor(private readonly nc: NatsConnection) {
    nc.subscribe(subjects.eventsOf('job'), {
      callback: (error, message) => {
        if (error) return;
        const at = performance.now();
        const parsed = jobEvents.parseEvents(message.data);
        if (parsed.ok) for (const event of parsed.messages) this.see(event, at);
      },
    });
  }

  static async open(natsUrl: string): Promise<JobWatch> {
    const nc = await connect({ servers: natsUrl, name: 'bench-job-watch' });
    const watch = new JobWatch(nc);
    await nc.flush();
    return watch;
  }

  job(jobId: string): WatchedJob {
    let job = this.jobs.get(jobId);
    if (!job) this.jobs.set(jobId, (job = { steps: new Map() }));
    return job;
  }

  /** Resolves with the job once its outcome has arrived (at once if it has). */
  ended(jobId: string, timeoutMs = 120_000): Promise<WatchedJob> {
    const job = this.job(jobId);
    if (job.outcome) return Promise.resolve(job);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`job ${jobId} did not end within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.set(jobId, () => {
        clearTimeout(timer);
        resolve(job);
      });
    });
  }

  close(): Promise<void> {
    return this.nc.close();
  }

  private see(event: JobEvent, at: number): void {
    const job = this.job(event.aggregateId);
    const occurredAt = Date.parse(event.occurredAt);
    if (event.type === 'JobRequested') job.requestedOccurredAt ??= occurredAt;
    if (event.type === 'JobStarted') job.startedOccurredAt ??= occurredAt;
    if (event.type === 'StepStarted') {
      job.firstStepAt ??= at;
      job.steps.set(event.data.stepKey, { startedAt: occurredAt, nodeId: event.data.nodeId });
    }
    if (event.type === 'StepCompleted' || event.type === 'StepFailed') {
      const step = job.steps.get(event.data.stepKey);
      if (step) step.endedAt = occurredAt;
    }
    if (OUTCOMES.has(event.type) && !job.outcome) {
      job.outcome = event.type;
      job.endedAt = at;
      job.endedOccurredAt = occurredAt;
      this.waiting.get(event.aggregateId)?.();
      this.waiting.delete(event.aggregateId);
    }
  }
}
