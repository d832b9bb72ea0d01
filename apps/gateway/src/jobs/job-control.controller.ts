import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { AggregateIdSchema } from '@aether/contracts';
import { Tenant } from '../common/tenant';
import { NoteBody, parseOr400 } from '../common/validation';
import { JobCommandsService } from './job-commands.service';

export const CancelBody = z.object({ reason: z.string().max(2000).optional() }).strict();

/** Operator commands on one job; the job's decider (through `JobCommandsService`) says what they do. */
@Controller('api/v1/jobs/:jobId')
export class JobControlController {
  constructor(@Inject(JobCommandsService) private readonly jobs: JobCommandsService) {}

  /** Queued or waiting jobs are cancelled at once; a running job stops after its current step. */
  @Post('cancel')
  @HttpCode(202)
  cancel(@Tenant() tenantId: string, @Param('jobId') jobId: string, @Body() body: unknown) {
    const { reason } = parseOr400(CancelBody, body ?? {}, 'body');
    return this.jobs.cancel(tenantId, id(jobId), reason);
  }

  @Post('retry-step')
  @HttpCode(202)
  retryStep(@Tenant() tenantId: string, @Param('jobId') jobId: string, @Body() body: unknown) {
    return this.jobs.resolve(tenantId, id(jobId), 'retry', parseOr400(NoteBody, body ?? {}, 'body').note);
  }

  @Post('skip-step')
  @HttpCode(202)
  skipStep(@Tenant() tenantId: string, @Param('jobId') jobId: string, @Body() body: unknown) {
    return this.jobs.resolve(tenantId, id(jobId), 'skip', parseOr400(NoteBody, body ?? {}, 'body').note);
  }

  @Post('fail')
  @HttpCode(202)
  fail(@Tenant() tenantId: string, @Param('jobId') jobId: string, @Body() body: unknown) {
    return this.jobs.fail(tenantId, id(jobId), parseOr400(NoteBody, body ?? {}, 'body').note);
  }
}

const id = (jobId: string) => parseOr400(AggregateIdSchema, jobId, 'jobId');
