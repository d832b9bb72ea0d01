import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { z } from 'zod';
import { SubscriptionDefinitionSchema, SubscriptionIdSchema } from '@aether/contracts';
import type { Principal } from '@aether/identity';
import { EndpointRefusedError, type Subscriptions } from '@aether/outbound';
import {
  ParkedDeliveryListSchema,
  SubscriptionDeliveriesSchema,
  SubscriptionCreatedSchema,
  SubscriptionListSchema,
  SubscriptionViewSchema,
} from '@aether/read-api';
import { CurrentPrincipal } from '../auth/principal';
import { Tenant } from '../common/tenant';
import { parseOr400 } from '../common/validation';

export const SUBSCRIPTIONS = Symbol('SUBSCRIPTIONS');

export const CreateBody = z
  .object({
    url: SubscriptionDefinitionSchema.shape.url,
    eventTypes: SubscriptionDefinitionSchema.shape.eventTypes.default([]),
    workflowIds: SubscriptionDefinitionSchema.shape.workflowIds.default([]),
  })
  .strict();

/** From an EVENTS sequence (see a delivery's `sequence`), or from the first event stored at or after a time. */
export const RedeliverBody = z.union([
  z.object({ fromSequence: z.number().int().positive() }).strict(),
  z.object({ fromTime: z.iso.datetime() }).strict(),
]);

/**
 * Outbound subscriptions (ADR 57): the tenant's job events POSTed to its endpoint, signed,
 * in job order, retried, parked when they keep failing, redelivered on request.
 */
@Controller('api/v1/subscriptions')
export class SubscriptionsController {
  constructor(@Inject(SUBSCRIPTIONS) private readonly subscriptions: Subscriptions) {}

  @Post()
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const input = parseOr400(CreateBody, body ?? {}, 'body');
    try {
      const { definition, secret } = await this.subscriptions.create(
        principal.tenantId,
        input,
        principal.subject,
      );
      return SubscriptionCreatedSchema.parse({ ...definition, secret });
    } catch (error) {
      if (error instanceof EndpointRefusedError) throw new BadRequestException(`body.${error.message}`);
      throw error;
    }
  }

  @Get()
  async list(@Tenant() tenantId: string) {
    return SubscriptionListSchema.parse(await this.subscriptions.list(tenantId));
  }

  @Get(':subscriptionId')
  async show(@Tenant() tenantId: string, @Param('subscriptionId') subscriptionId: string) {
    return SubscriptionViewSchema.parse(await this.owned(tenantId, subscriptionId));
  }

  @Delete(':subscriptionId')
  @HttpCode(204)
  async remove(@Tenant() tenantId: string, @Param('subscriptionId') subscriptionId: string) {
    const id = parseOr400(SubscriptionIdSchema, subscriptionId, 'subscriptionId');
    if (!(await this.subscriptions.remove(tenantId, id)))
      throw new NotFoundException(`subscription ${subscriptionId} not found`);
  }

  @Post(':subscriptionId/redeliver')
  @HttpCode(200)
  async redeliver(
    @Tenant() tenantId: string,
    @Param('subscriptionId') subscriptionId: string,
    @Body() body: unknown,
  ) {
    const id = parseOr400(SubscriptionIdSchema, subscriptionId, 'subscriptionId');
    const input = parseOr400(RedeliverBody, body ?? {}, 'body');
    const start = 'fromSequence' in input ? { sequence: input.fromSequence } : { time: input.fromTime };
    const next = await this.subscriptions.redeliver(tenantId, id, start);
    if (!next) throw new NotFoundException(`subscription ${subscriptionId} not found`);
    return SubscriptionViewSchema.parse(next);
  }

  @Get(':subscriptionId/parked')
  async parked(@Tenant() tenantId: string, @Param('subscriptionId') subscriptionId: string) {
    const definition = await this.owned(tenantId, subscriptionId);
    return ParkedDeliveryListSchema.parse({
      parked: await this.subscriptions.parked.list(definition.subscriptionId),
    });
  }

  /** The Subscriptions page: the consumer's position and the parked deliveries. */
  @Get(':subscriptionId/deliveries')
  async deliveries(@Tenant() tenantId: string, @Param('subscriptionId') subscriptionId: string) {
    const definition = await this.owned(tenantId, subscriptionId);
    const [progress, parked] = await Promise.all([
      this.subscriptions.progress(definition),
      this.subscriptions.parked.list(definition.subscriptionId),
    ]);
    return SubscriptionDeliveriesSchema.parse({
      subscriptionId: definition.subscriptionId,
      progress: progress ?? null,
      parked,
    });
  }

  private async owned(tenantId: string, subscriptionId: string) {
    const id = parseOr400(SubscriptionIdSchema, subscriptionId, 'subscriptionId');
    const definition = await this.subscriptions.get(tenantId, id);
    if (!definition) throw new NotFoundException(`subscription ${subscriptionId} not found`);
    return definition;
  }
}
