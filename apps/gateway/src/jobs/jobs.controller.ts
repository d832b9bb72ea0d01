import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { z } from 'zod';
import { AggregateIdSchema, JOB_EVENTS, MessageRegistry, subjects, type JobEvent } from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { JOB_STATUSES, type ReadModelQueries } from '@aether/read-model';
import { JobHistorySchema, type JobHistory } from '@aether/read-api';
import { EVENT_STORE } from '@aether/service-kit';
import { Tenant } from '../common/tenant';
import { READ_MODEL } from '../common/tokens';
import { parseOr400 } from '../common/validation';
import { statusAfter } from '../live/live-updates';

export const ListQuery = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);

@Controller('api/v1/jobs')
export class JobsController {
  constructor(
    @Inject(READ_MODEL) private readonly queries: ReadModelQueries,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get()
  list(@Tenant() tenantId: string, @Query() query: unknown) {
    return this.queries.jobs(tenantId, parseOr400(ListQuery, query, 'query'));
  }

  @Get(':jobId')
  async show(@Tenant() tenantId: string, @Param('jobId') jobId: string) {
    const job = await this.queries.job(tenantId, parseOr400(AggregateIdSchema, jobId, 'jobId'));
    if (!job) throw new NotFoundException(`job ${jobId} not found`);
    return job;
  }

  /** The job's history straight from the event store: the source of truth, not the projection. */
  @Get(':jobId/events')
  async events(@Tenant() tenantId: string, @Param('jobId') jobId: string): Promise<JobHistory> {
    const history = await this.store.read(
      subjects.event(tenantId, 'job', parseOr400(AggregateIdSchema, jobId, 'jobId')),
      jobEvents,
    );
    if (history.lastSequence === 0) throw new NotFoundException(`job ${jobId} not found`);
    return JobHistorySchema.parse({
      jobId,
      events: history.events.map(({ sequence, event }) => {
        const status = statusAfter(event);
        return { sequence, ...event, ...(status ? { status } : {}) };
      }),
      invalid: history.invalid,
    });
  }
}
