import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import {
  AggregateIdSchema,
  JOB_EVENTS,
  JobRequeued,
  MessageRegistry,
  subjects,
  type JobEvent,
} from '@aether/contracts';
import { ConcurrencyError, type EventStore } from '@aether/event-store';
import { FleetQueries } from '@aether/read-model';
import { EVENT_STORE } from '@aether/service-kit';
import { Tenant } from '../common/tenant';
import { DATA_SOURCE } from '../common/tokens';
import { NoteBody, parseOr400 } from '../common/validation';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);
const ListQuery = z
  .object({
    workflowId: AggregateIdSchema.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** Jobs whose retries ran out, read from the projection; a requeue is an event on the job itself. */
@Controller('api/v1/dead-letters')
export class DeadLettersController {
  private readonly queries: FleetQueries;

  constructor(
    @Inject(DATA_SOURCE) dataSource: DataSource,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {
    this.queries = new FleetQueries(dataSource);
  }

  @Get()
  list(@Tenant() tenantId: string, @Query() query: unknown) {
    return this.queries.deadLetters(tenantId, parseOr400(ListQuery, query, 'query'));
  }

  @Get(':id')
  async show(@Tenant() tenantId: string, @Param('id') id: string) {
    const found = await this.queries.deadLetter(tenantId, parseOr400(AggregateIdSchema, id, 'id'));
    if (!found) throw new NotFoundException(`dead letter ${id} not found`);
    return found;
  }

  /** Sends the job back to the dispatcher with a fresh retry schedule; its completed steps stay done. */
  @Post(':id/requeue')
  @HttpCode(202)
  async requeue(@Tenant() tenantId: string, @Param('id') id: string, @Body() body: unknown) {
    const jobId = parseOr400(AggregateIdSchema, id, 'id');
    const { note } = parseOr400(NoteBody, body ?? {}, 'body');
    const subject = subjects.event(tenantId, 'job', jobId);
    for (let tries = 1; ; tries++) {
      const history = await this.store.read(subject, jobEvents);
      if (history.lastSequence === 0) throw new NotFoundException(`dead letter ${jobId} not found`);
      const events = history.events.map((stored) => stored.event);
      const deadAt = events.findLastIndex((event) => event.type === 'JobDeadLettered');
      const reopenedAt = events.findLastIndex((event) => event.type === 'JobRequeued');
      if (deadAt < 0) throw new NotFoundException(`dead letter ${jobId} not found`);
      if (reopenedAt > deadAt) throw new ConflictException(`job ${jobId} was already requeued`);
      const attempt =
        Math.max(1, ...events.map((event) => (event.type === 'JobDispatched' ? event.data.attempt : 1))) + 1;
      try {
        await this.store.append(
          subject,
          [
            JobRequeued.create({
              tenantId,
              aggregateId: jobId,
              data: { attempt, ...(note ? { note } : {}) },
            }),
          ],
          history.lastSequence,
        );
        return { id: jobId, jobId, status: 'pending', attempt };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || tries >= 5) throw error;
      }
    }
  }
}
