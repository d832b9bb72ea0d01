import {
  Body,
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
import { AggregateIdSchema } from '@aether/contracts';
import { FleetQueries } from '@aether/read-model';
import { Tenant } from '../common/tenant';
import { DATA_SOURCE } from '../common/tokens';
import { NoteBody, parseOr400 } from '../common/validation';
import { JobCommandsService } from '../jobs/job-commands.service';

export const ListQuery = z
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
    @Inject(JobCommandsService) private readonly jobs: JobCommandsService,
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
  requeue(@Tenant() tenantId: string, @Param('id') id: string, @Body() body: unknown) {
    const jobId = parseOr400(AggregateIdSchema, id, 'id');
    return this.jobs.requeue(tenantId, jobId, parseOr400(NoteBody, body ?? {}, 'body').note);
  }
}
