import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  AggregateIdSchema,
  DeadlineConsequenceSchema,
  DEFAULT_PRIORITY,
  JsonObjectSchema,
  PrioritySchema,
  PlacementSchema,
  RequestJob,
  newId,
  subjects,
} from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { WorkflowVersionListSchema } from '@aether/read-api';
import type { ReadModelQueries } from '@aether/read-model';
import { EVENT_STORE, JETSTREAM } from '@aether/service-kit';
import { parseWorkflow, parseWorkflowText, validateInputs } from '@aether/workflow';
import { Tenant } from '../common/tenant';
import { READ_MODEL, TRIGGER_KEYS } from '../common/tokens';
import { IDEMPOTENCY_HEADER } from '../hooks/hook-signature';
import { parseOr400 } from '../common/validation';
import { publishWorkflowVersion } from './publish-workflow';
import { publishedVersionToRun } from './published-workflows';
import { inputsRefused } from './trigger-inputs';
import type { TriggerKeys } from './trigger-keys';

export const TriggerBody = z
  .object({
    variables: JsonObjectSchema.default({}),
    priority: PrioritySchema.default(DEFAULT_PRIORITY),
    workflowVersion: z.number().int().positive().optional(),
    /** Constraints, preferences and affinity for the dispatcher (see docs/orchestration.md). */
    placement: PlacementSchema.optional(),
    /** Finish by (ISO 8601, UTC): the earliest deadline is placed first within a priority band. */
    deadline: z.iso.datetime().optional(),
    /** What missing the deadline does: `keep` (default), `fail`, or `dead-letter` at once (ADR 66). */
    onDeadlineMissed: DeadlineConsequenceSchema.optional(),
  })
  .strict();

/** `GET /workflows/{id}`: the latest version, or the one asked for. */
export const ShowQuery = z.object({ version: z.coerce.number().int().positive().optional() }).strict();

const encoder = new TextEncoder();

@Controller('api/v1/workflows')
export class WorkflowsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(READ_MODEL) private readonly queries: ReadModelQueries,
    @Inject(TRIGGER_KEYS) private readonly keys: TriggerKeys,
  ) {}

  /** Stores a new version of a workflow (JSON body, or YAML with `Content-Type: application/yaml`). */
  @Post()
  async publish(@Tenant() tenantId: string, @Req() request: Request, @Body() body: unknown) {
    const result =
      typeof body === 'string'
        ? parseWorkflowText(body, isYaml(request) ? 'yaml' : 'json')
        : parseWorkflow(body);
    return publishWorkflowVersion(this.store, tenantId, result);
  }

  @Get()
  async list(@Tenant() tenantId: string) {
    const rows = await this.queries.workflows(tenantId);
    return rows.map((row) => ({
      workflowId: row.workflowId,
      name: row.name,
      latestVersion: row.version,
      publishedAt: row.publishedAt,
    }));
  }

  @Get(':workflowId')
  async show(@Tenant() tenantId: string, @Param('workflowId') workflowId: string, @Query() query: unknown) {
    const id = parseOr400(AggregateIdSchema, workflowId, 'workflowId');
    const { version } = parseOr400(ShowQuery, query, 'query');
    const row =
      version === undefined
        ? await this.queries.latestWorkflow(tenantId, id)
        : await this.queries.workflowVersion(tenantId, id, version);
    if (!row) throw new NotFoundException(`workflow ${workflowId}${version ? ` v${version}` : ''} not found`);
    return {
      workflowId: row.workflowId,
      version: row.version,
      name: row.name,
      publishedAt: row.publishedAt,
      definition: row.definition,
    };
  }

  /** Every published version, newest first; a job may be triggered at any of them (`workflowVersion`). */
  @Get(':workflowId/versions')
  async versions(@Tenant() tenantId: string, @Param('workflowId') workflowId: string) {
    const rows = await this.queries.workflowVersions(
      tenantId,
      parseOr400(AggregateIdSchema, workflowId, 'workflowId'),
    );
    if (rows.length === 0) throw new NotFoundException(`workflow ${workflowId} not found`);
    return WorkflowVersionListSchema.parse({
      workflowId,
      versions: rows.map((row) => ({
        version: row.version,
        name: row.name,
        description: typeof row.definition['description'] === 'string' ? row.definition['description'] : null,
        nodes: Array.isArray(row.definition['nodes']) ? row.definition['nodes'].length : 0,
        publishedAt: row.publishedAt.toISOString(),
      })),
    });
  }

  /**
   * Starts a job. With an `Idempotency-Key`, the same key and body within the retention answer
   * with the first job (`Idempotent-Replayed: true`), another body with 409 (ADR 54).
   */
  @Post(':workflowId/trigger')
  @HttpCode(202)
  async trigger(
    @Tenant() tenantId: string,
    @Param('workflowId') workflowId: string,
    @Body() body: unknown,
    @Headers(IDEMPOTENCY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ) {
    parseOr400(AggregateIdSchema, workflowId, 'workflowId');
    const input = parseOr400(TriggerBody, body ?? {}, 'body');
    // The job runs the version checked here (ADR 131): one published meanwhile does not change it.
    const { version, definition } = await publishedVersionToRun(
      this.store,
      tenantId,
      workflowId,
      input.workflowVersion,
    );
    const problems = validateInputs(definition, input.variables, 'body.variables');
    if (problems.length > 0) throw inputsRefused(workflowId, version, 'these inputs', problems);
    let jobId = newId();
    if (idempotencyKey !== undefined) {
      const keyed = await this.keys.claim(tenantId, idempotencyKey, workflowId, input, jobId);
      jobId = keyed.jobId;
      if (keyed.replayed) {
        response.setHeader('Idempotent-Replayed', 'true');
        // The replica that claimed the key may have died before sending the command: send it
        // again; its message id makes the scheduler start the job once either way.
        if ((await this.store.lastSequence(subjects.event(tenantId, 'job', jobId))) > 0)
          return { jobId, status: 'pending' };
      }
    }
    const command = RequestJob.create({
      tenantId,
      aggregateId: jobId,
      ...(idempotencyKey !== undefined ? { id: `request:${jobId}` } : {}),
      data: {
        workflowId,
        workflowVersion: version,
        variables: input.variables,
        priority: input.priority,
        trigger: { kind: 'api' },
        ...(input.placement ? { placement: input.placement } : {}),
        ...(input.deadline ? { deadline: input.deadline } : {}),
        ...(input.onDeadlineMissed ? { onDeadlineMissed: input.onDeadlineMissed } : {}),
      },
    });
    await this.js.publish(
      subjects.command(tenantId, RequestJob.type),
      encoder.encode(JSON.stringify(command)),
      { msgID: command.id },
    );
    return { jobId, status: 'pending' };
  }
}

function isYaml(request: Request): boolean {
  return /yaml/i.test(request.header('content-type') ?? '');
}
