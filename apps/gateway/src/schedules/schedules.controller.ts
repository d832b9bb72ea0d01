import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
} from '@nestjs/common';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { Cron } from 'croner';
import { z } from 'zod';
import {
  DEFAULT_PRIORITY,
  JsonObjectSchema,
  KV_BUCKETS,
  MessageRegistry,
  MisfirePolicySchema,
  PlacementSchema,
  PrioritySchema,
  SCHEDULE_EVENTS,
  STREAMS,
  ScheduleDefinitionSchema,
  TimeZoneSchema,
  newId,
  subjects,
  type ScheduleDefinition,
  type ScheduleEvent,
} from '@aether/contracts';
import { directGet, type EventStore } from '@aether/event-store';
import { openBucket } from '@aether/kv-state';
import { EVENT_STORE, NATS_CONNECTION } from '@aether/service-kit';
import { ScheduleListSchema, type ScheduleView } from '@aether/read-api';
import { Tenant } from '../common/tenant';
import { TenantDefinitions } from '../common/tenant-definitions';
import { parseOr400 } from '../common/validation';
import { requireTriggerInputs } from '../workflows/trigger-inputs';

const scheduleEvents = new MessageRegistry<ScheduleEvent>(SCHEDULE_EVENTS);
const ScheduleId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-" (max 64)');

export const CreateBody = z
  .object({
    scheduleId: ScheduleId.optional(),
    workflowId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
    workflowVersion: z.number().int().positive().optional(),
    cron: z.string().min(1).max(200),
    timezone: TimeZoneSchema.default('UTC'),
    misfirePolicy: MisfirePolicySchema.default('skip'),
    variables: JsonObjectSchema.default({}),
    priority: PrioritySchema.default(DEFAULT_PRIORITY),
    placement: PlacementSchema.optional(),
    paused: z.boolean().default(false),
  })
  .strict();

/** Cron schedules, kept in the `schedules` KV bucket; the scheduler watches it and fires them. */
@Controller('api/v1/schedules')
export class SchedulesController {
  private readonly schedules: TenantDefinitions<ScheduleDefinition>;
  private manager?: Promise<JetStreamManager>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {
    let bucket: Promise<KV> | undefined;
    this.schedules = new TenantDefinitions(
      () => (bucket ??= openBucket(this.nc, KV_BUCKETS.schedules)),
      ScheduleDefinitionSchema,
      'schedule',
    );
  }

  @Post()
  @HttpCode(201)
  async create(@Tenant() tenantId: string, @Body() body: unknown) {
    const input = parseOr400(CreateBody, body ?? {}, 'body');
    const nextRunAt = nextRun(input.cron, input.timezone);
    await requireTriggerInputs(this.store, tenantId, input.workflowId, input.workflowVersion, {
      kind: 'schedule',
      variables: input.variables,
    });
    const now = new Date().toISOString();
    const definition: ScheduleDefinition = ScheduleDefinitionSchema.parse({
      ...input,
      scheduleId: input.scheduleId ?? `s-${newId().slice(0, 8)}`,
      tenantId,
      createdAt: now,
      activeFrom: now,
    });
    await this.schedules.create(tenantId, definition.scheduleId, definition);
    return { ...definition, nextRunAt };
  }

  /** Each schedule with its last fire: a refused one says why it started no job (ADR 135). */
  @Get()
  async list(@Tenant() tenantId: string): Promise<ScheduleView[]> {
    const found: ScheduleView[] = [];
    for (const definition of await this.schedules.list(tenantId))
      found.push({ ...view(definition), lastFire: await this.lastFire(definition) });
    return ScheduleListSchema.parse(found.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId)));
  }

  @Get(':scheduleId')
  async show(@Tenant() tenantId: string, @Param('scheduleId') scheduleId: string) {
    const definition = await this.schedules.get(tenantId, parseOr400(ScheduleId, scheduleId, 'scheduleId'));
    if (!definition) throw this.schedules.notFound(scheduleId);
    const history = await this.store.read(subjects.event(tenantId, 'schedule', scheduleId), scheduleEvents);
    const fires = history.events
      .slice(-50)
      .map(({ event }) => ({ ...event.data, firedAt: event.occurredAt }));
    return { ...view(definition), lastFire: fires.at(-1) ?? null, fires };
  }

  @Post(':scheduleId/pause')
  @HttpCode(200)
  pause(@Tenant() tenantId: string, @Param('scheduleId') scheduleId: string) {
    return this.change(tenantId, scheduleId, (definition) => ({ ...definition, paused: true }));
  }

  /** Occurrences that fell while paused are never fired: the schedule is active again from now. */
  @Post(':scheduleId/resume')
  @HttpCode(200)
  resume(@Tenant() tenantId: string, @Param('scheduleId') scheduleId: string) {
    return this.change(tenantId, scheduleId, (definition) =>
      definition.paused ? { ...definition, paused: false, activeFrom: new Date().toISOString() } : definition,
    );
  }

  @Delete(':scheduleId')
  @HttpCode(204)
  async remove(@Tenant() tenantId: string, @Param('scheduleId') scheduleId: string) {
    await this.schedules.remove(tenantId, parseOr400(ScheduleId, scheduleId, 'scheduleId'));
  }

  private async lastFire(definition: ScheduleDefinition): Promise<ScheduleView['lastFire']> {
    const subject = subjects.event(definition.tenantId, 'schedule', definition.scheduleId);
    const message = await directGet(await this.jsm(), STREAMS.events, { last_by_subj: subject });
    const parsed = message ? scheduleEvents.parseBytes(message.data) : undefined;
    return parsed?.ok ? { ...parsed.message.data, firedAt: parsed.message.occurredAt } : null;
  }

  private jsm(): Promise<JetStreamManager> {
    this.manager ??= jetstreamManager(this.nc);
    return this.manager;
  }

  private async change(
    tenantId: string,
    scheduleId: string,
    update: (definition: ScheduleDefinition) => ScheduleDefinition,
  ) {
    const id = parseOr400(ScheduleId, scheduleId, 'scheduleId');
    return view(await this.schedules.update(tenantId, id, update));
  }
}

function view(definition: ScheduleDefinition): ScheduleView {
  return {
    ...definition,
    nextRunAt: definition.paused ? null : nextRun(definition.cron, definition.timezone),
  };
}

/** Validates the expression by asking croner for the next occurrence (the time zone is checked already). */
function nextRun(cron: string, timezone: string): string | null {
  try {
    return new Cron(cron, { timezone, paused: true }).nextRun()?.toISOString() ?? null;
  } catch (error) {
    throw new BadRequestException({
      problems: [{ path: 'body.cron', message: `invalid cron expression: ${(error as Error).message}` }],
    });
  }
}
