import {
  Body,
  ConflictException,
  Controller,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import {
  AggregateIdSchema,
  JOB_EVENTS,
  JobCancelRequested,
  JobCancelled,
  JobFailed,
  MessageRegistry,
  StepResolved,
  subjects,
  type JobEvent,
} from '@aether/contracts';
import { ConcurrencyError, type EventStore } from '@aether/event-store';
import { foldJob, isTerminal } from '@aether/job-domain';
import { EVENT_STORE, NATS_CONNECTION } from '@aether/service-kit';
import { Tenant } from '../common/tenant';
import { NoteBody, parseOr400 } from '../common/validation';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);
const CancelBody = z.object({ reason: z.string().max(2000).optional() }).strict();

/**
 * Operator commands on one job. Each reads the job's history, checks the job is in a state
 * where the command makes sense, and appends with the expected sequence it read.
 */
@Controller('api/v1/jobs/:jobId')
export class JobControlController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  /** Queued or waiting jobs are cancelled at once; a running job stops after its current step. */
  @Post('cancel')
  @HttpCode(202)
  async cancel(@Tenant() tenantId: string, @Param('jobId') jobId: string, @Body() body: unknown) {
    const { reason } = parseOr400(CancelBody, body ?? {}, 'body');
    const subject = this.subject(tenantId, jobId);
    const status = await this.withRetry(async () => {
      const { state, lastSequence } = await this.load(subject, jobId);
      if (isTerminal(state)) throw new ConflictException(`job ${jobId} already ${state.status}`);
      let sequence = lastSequence;
      if (!state.cancelRequested) {
        sequence = (
          await this.store.append(
            subject,
            [JobCancelRequested.create({ tenantId, aggregateId: jobId, data: { reason } })],
            sequence,
          )
        ).lastSequence;
      }
      if (state.status === 'running') return 'cancelling';
      try {
        await this.store.append(
          subject,
          [
            JobCancelled.create({
              tenantId,
              aggregateId: jobId,
              data: { completedSteps: state.completedSteps },
            }),
          ],
          sequence,
        );
        return 'cancelled';
      } catch (error) {
        if (error instanceof ConcurrencyError) return 'cancelling'; // a robot just claimed it and will stop it
        throw error;
      }
    });
    this.nc.publish(subjects.jobControl(tenantId, jobId, 'cancel'));
    return { jobId, status };
  }

  @Post('retry-step')
  @HttpCode(202)
  retryStep(@Tenant() tenantId: string, @Param('jobId') jobId: string, @Body() body: unknown) {
    return this.resolve(tenantId, jobId, 'retry', parseOr400(NoteBody, body ?? {}, 'body').note);
  }

  @Post('skip-step')
  @HttpCode(202)
  skipStep(@Tenant() tenantId: string, @Param('jobId') jobId: string, @Body() body: unknown) {
    return this.resolve(tenantId, jobId, 'skip', parseOr400(NoteBody, body ?? {}, 'body').note);
  }

  @Post('fail')
  @HttpCode(202)
  async fail(@Tenant() tenantId: string, @Param('jobId') jobId: string, @Body() body: unknown) {
    const { note } = parseOr400(NoteBody, body ?? {}, 'body');
    const subject = this.subject(tenantId, jobId);
    await this.withRetry(async () => {
      const { state, lastSequence } = await this.load(subject, jobId);
      if (state.status !== 'needs_attention')
        throw new ConflictException(`job ${jobId} is ${state.status}, not waiting for an operator`);
      const message = `failed by an operator${note ? `: ${note}` : ''}`;
      await this.store.append(
        subject,
        [
          JobFailed.create({
            tenantId,
            aggregateId: jobId,
            data: { error: { message, code: 'FailedByOperator', retryable: false } },
          }),
        ],
        lastSequence,
      );
    });
    return { jobId, status: 'failed' };
  }

  private async resolve(tenantId: string, jobId: string, action: 'retry' | 'skip', note: string | undefined) {
    const subject = this.subject(tenantId, jobId);
    const stepKey = await this.withRetry(async () => {
      const { state, lastSequence, events } = await this.load(subject, jobId);
      const attention = events.findLast((e) => e.type === 'JobNeedsAttention');
      if (state.status !== 'needs_attention' || attention?.type !== 'JobNeedsAttention') {
        throw new ConflictException(`job ${jobId} is ${state.status}, not waiting for an operator`);
      }
      const { stepKey: key } = attention.data;
      await this.store.append(
        subject,
        [StepResolved.create({ tenantId, aggregateId: jobId, data: { stepKey: key, action, note } })],
        lastSequence,
      );
      return key;
    });
    return { jobId, stepKey, status: 'queued' };
  }

  private subject(tenantId: string, jobId: string): string {
    return subjects.event(tenantId, 'job', parseOr400(AggregateIdSchema, jobId, 'jobId'));
  }

  private async load(subject: string, jobId: string) {
    const history = await this.store.read(subject, jobEvents);
    if (history.lastSequence === 0) throw new NotFoundException(`job ${jobId} not found`);
    const events = history.events.map((stored) => stored.event);
    return { state: foldJob(events), lastSequence: history.lastSequence, events };
  }

  /** Re-reads and re-decides when a robot appended in between; the decision may change (409). */
  private async withRetry<T>(attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || tries >= 5) throw error;
      }
    }
  }
}
