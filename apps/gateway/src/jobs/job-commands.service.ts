import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { JOB_EVENTS, MessageRegistry, subjects, type JobEvent } from '@aether/contracts';
import { CommandHandler, type EventStore } from '@aether/event-store';
import { jobDecider, type JobCommand, type JobRejection, type JobState } from '@aether/job-domain';
import { EVENT_STORE, NATS_CONNECTION } from '@aether/service-kit';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);

/** An operator command without its metadata: the service adds who, when and the message id. */
type Ask = { [K in JobCommand['type']]: Omit<Extract<JobCommand, { type: K }>, 'meta'> }[JobCommand['type']];

/**
 * Operators' commands on one job, each decided by the job's decider on the job's history and
 * appended through the `CommandHandler` (a concurrent append by a robot makes it decide again).
 * Refusals become 404 (no such job) or 409 (not in a state where the command makes sense).
 */
@Injectable()
export class JobCommandsService {
  private readonly handler: CommandHandler<JobCommand, JobState, JobEvent, JobRejection>;

  constructor(
    @Inject(EVENT_STORE) store: Pick<EventStore, 'read' | 'append'>,
    @Inject(NATS_CONNECTION) private readonly nc: Pick<NatsConnection, 'publish'>,
  ) {
    this.handler = new CommandHandler(store, jobEvents, jobDecider);
  }

  /** Queued or waiting jobs are cancelled at once; a running job stops after its current step. */
  async cancel(tenantId: string, jobId: string, reason: string | undefined) {
    const { state } = await this.decide(tenantId, jobId, {
      type: 'CancelJob',
      data: reason ? { reason } : {},
    });
    this.nc.publish(subjects.jobControl(tenantId, jobId, 'cancel'));
    return { jobId, status: state.status === 'cancelled' ? 'cancelled' : 'cancelling' };
  }

  /** An operator's answer to an ambiguous step: run it again (`retry`) or treat it as done (`skip`). */
  async resolve(tenantId: string, jobId: string, action: 'retry' | 'skip', note: string | undefined) {
    const { events, state } = await this.decide(tenantId, jobId, {
      type: action === 'retry' ? 'RetryStep' : 'SkipStep',
      data: note ? { note } : {},
    });
    const resolved = events.find((event) => event.type === 'StepResolved');
    return { jobId, stepKey: resolved?.data.stepKey, status: state.status };
  }

  /** An operator fails a job that waits for one. */
  async fail(tenantId: string, jobId: string, note: string | undefined) {
    await this.decide(tenantId, jobId, { type: 'FailParkedJob', data: note ? { note } : {} });
    return { jobId, status: 'failed' };
  }

  /** Sends a dead letter back to the dispatcher with a fresh retry schedule; its completed steps stay done. */
  async requeue(tenantId: string, jobId: string, note: string | undefined) {
    const { state } = await this.decide(tenantId, jobId, { type: 'RequeueJob', data: note ? { note } : {} });
    return { id: jobId, jobId, status: 'pending', attempt: state.attempt };
  }

  private async decide(tenantId: string, jobId: string, ask: Ask) {
    const outcome = await this.handler.handle(
      subjects.event(tenantId, 'job', jobId),
      (sequence) =>
        ({
          ...ask,
          meta: { tenantId, jobId, id: `${ask.type}:${jobId}:${sequence}`, at: new Date() },
        }) as JobCommand,
    );
    if (outcome.kind === 'accepted') return outcome;
    const { rejection } = outcome;
    if (rejection.code === 'not_found') throw new NotFoundException(rejection.reason);
    throw new ConflictException({
      message: rejection.reason,
      code: rejection.code,
      status: rejection.status,
    });
  }
}
