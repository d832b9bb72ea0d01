import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Req } from '@nestjs/common';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Request } from 'express';
import { z } from 'zod';
import {
  AggregateIdSchema,
  DEFAULT_PRIORITY,
  JsonObjectSchema,
  PrioritySchema,
  PlacementSchema,
  RequestJob,
  newId,
  subjects,
} from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import type { ReadModelQueries } from '@aether/read-model';
import { EVENT_STORE, JETSTREAM } from '@aether/service-kit';
import { parseWorkflow, parseWorkflowText } from '@aether/workflow';
import { Tenant } from '../common/tenant';
import { READ_MODEL } from '../common/tokens';
import { parseOr400 } from '../common/validation';
import { publishWorkflowVersion } from './publish-workflow';

const TriggerBody = z
  .object({
    variables: JsonObjectSchema.default({}),
    priority: PrioritySchema.default(DEFAULT_PRIORITY),
    workflowVersion: z.number().int().positive().optional(),
    /** Constraints, preferences and affinity for the dispatcher (see docs/orchestration.md). */
    placement: PlacementSchema.optional(),
  })
  .strict();

const encoder = new TextEncoder();

@Controller('api/v1/workflows')
export class WorkflowsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(READ_MODEL) private readonly queries: ReadModelQueries,
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
  async show(@Tenant() tenantId: string, @Param('workflowId') workflowId: string) {
    const row = await this.queries.latestWorkflow(tenantId, workflowId);
    if (!row) throw new NotFoundException(`workflow ${workflowId} not found`);
    return {
      workflowId: row.workflowId,
      version: row.version,
      name: row.name,
      publishedAt: row.publishedAt,
      definition: row.definition,
    };
  }

  @Post(':workflowId/trigger')
  @HttpCode(202)
  async trigger(@Tenant() tenantId: string, @Param('workflowId') workflowId: string, @Body() body: unknown) {
    parseOr400(AggregateIdSchema, workflowId, 'workflowId');
    const input = parseOr400(TriggerBody, body ?? {}, 'body');
    if ((await this.store.lastSequence(subjects.event(tenantId, 'workflow', workflowId))) === 0) {
      throw new NotFoundException(`workflow ${workflowId} not found`);
    }
    const jobId = newId();
    const command = RequestJob.create({
      tenantId,
      aggregateId: jobId,
      data: {
        workflowId,
        workflowVersion: input.workflowVersion,
        variables: input.variables,
        priority: input.priority,
        trigger: { kind: 'api' },
        ...(input.placement ? { placement: input.placement } : {}),
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
