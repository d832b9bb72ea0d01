import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Put,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { AggregateIdSchema, DispatchPolicySchema, KV_BUCKETS } from '@aether/contracts';
import { openBucket } from '@aether/kv-state';
import type { EventStore } from '@aether/event-store';
import { EVENT_STORE, NATS_CONNECTION } from '@aether/service-kit';
import { Tenant } from '../common/tenant';
import { parseOr400 } from '../common/validation';
import { requirePublishedWorkflow } from '../workflows/published-workflows';

/** A published workflow's dispatch policy: retry schedule, concurrency limit, default placement. */
@Controller('api/v1/workflows/:workflowId/dispatch-policy')
export class DispatchPoliciesController {
  private bucket?: Promise<KV>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Put()
  async put(@Tenant() tenantId: string, @Param('workflowId') workflowId: string, @Body() body: unknown) {
    const key = this.key(tenantId, workflowId);
    const policy = parseOr400(DispatchPolicySchema, body ?? {}, 'body');
    await requirePublishedWorkflow(this.store, tenantId, workflowId);
    await (await this.kv()).put(key, JSON.stringify(policy));
    return policy;
  }

  @Get()
  async get(@Tenant() tenantId: string, @Param('workflowId') workflowId: string) {
    const entry = await (await this.kv()).get(this.key(tenantId, workflowId));
    if (entry?.operation !== 'PUT')
      throw new NotFoundException(`workflow ${workflowId} has no dispatch policy`);
    return entry.json<unknown>();
  }

  @Delete()
  @HttpCode(204)
  async remove(@Tenant() tenantId: string, @Param('workflowId') workflowId: string) {
    await (await this.kv()).delete(this.key(tenantId, workflowId));
  }

  private key(tenantId: string, workflowId: string): string {
    return `${tenantId}.${parseOr400(AggregateIdSchema, workflowId, 'workflowId')}`;
  }

  private kv(): Promise<KV> {
    this.bucket ??= openBucket(this.nc, KV_BUCKETS.dispatchPolicies);
    return this.bucket;
  }
}
