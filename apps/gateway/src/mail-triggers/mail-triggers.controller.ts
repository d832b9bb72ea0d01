import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import {
  DEFAULT_PRIORITY,
  JsonObjectSchema,
  KV_BUCKETS,
  MAIL_TRIGGER_EVENTS,
  MailTriggerDefinitionSchema,
  MessageRegistry,
  PlacementSchema,
  PrioritySchema,
  STREAMS,
  newId,
  subjects,
  type MailTriggerDefinition,
  type MailTriggerEvent,
} from '@aether/contracts';
import { directGet, type EventStore } from '@aether/event-store';
import { openBucket } from '@aether/kv-state';
import { MailTriggerListSchema, type MailTriggerView } from '@aether/read-api';
import { EVENT_STORE, NATS_CONNECTION } from '@aether/service-kit';
import { Tenant } from '../common/tenant';
import { TenantDefinitions } from '../common/tenant-definitions';
import { parseOr400 } from '../common/validation';
import { requireTriggerInputs } from '../workflows/trigger-inputs';

const registry = new MessageRegistry<MailTriggerEvent>(MAIL_TRIGGER_EVENTS);
const TriggerId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-" (max 64)');

export const CreateMailTriggerBody = z
  .object({
    triggerId: TriggerId.optional(),
    /** The name of the secret holding the `imaps://user:password@host` URL (ADR 45): never the URL. */
    imapSecret: MailTriggerDefinitionSchema.shape.imapSecret,
    mailbox: z.string().min(1).max(1000).default('INBOX'),
    from: z.string().min(1).max(998).optional(),
    subject: z.string().min(1).max(998).optional(),
    workflowId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
    workflowVersion: z.number().int().positive().optional(),
    variables: JsonObjectSchema.default({}),
    priority: PrioritySchema.default(DEFAULT_PRIORITY),
    placement: PlacementSchema.optional(),
    paused: z.boolean().default(false),
  })
  .strict();

/**
 * Mail triggers (ADR 52), kept in the `mail-triggers` KV bucket; every scheduler replica watches
 * it and polls the mailboxes. Fires are read from the trigger's subject on the event stream.
 */
@Controller('api/v1/mail-triggers')
export class MailTriggersController {
  private readonly triggers: TenantDefinitions<MailTriggerDefinition>;
  private manager?: Promise<JetStreamManager>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {
    let bucket: Promise<KV> | undefined;
    this.triggers = new TenantDefinitions(
      () => (bucket ??= openBucket(this.nc, KV_BUCKETS.mailTriggers)),
      MailTriggerDefinitionSchema,
      'mail trigger',
    );
  }

  @Post()
  @HttpCode(201)
  async create(@Tenant() tenantId: string, @Body() body: unknown): Promise<MailTriggerView> {
    const input = parseOr400(CreateMailTriggerBody, body ?? {}, 'body');
    await requireTriggerInputs(this.store, tenantId, input.workflowId, input.workflowVersion, {
      kind: 'mail trigger',
      variables: input.variables,
    });
    const definition = MailTriggerDefinitionSchema.parse({
      ...input,
      triggerId: input.triggerId ?? `m-${newId().slice(0, 8)}`,
      tenantId,
      createdAt: new Date().toISOString(),
    });
    await this.triggers.create(tenantId, definition.triggerId, definition);
    return { ...definition, lastFire: null };
  }

  @Get()
  async list(@Tenant() tenantId: string): Promise<MailTriggerView[]> {
    const found: MailTriggerView[] = [];
    for (const definition of await this.triggers.list(tenantId))
      found.push({ ...definition, lastFire: await this.lastFire(definition) });
    return MailTriggerListSchema.parse(found.sort((a, b) => a.triggerId.localeCompare(b.triggerId)));
  }

  /** One trigger with its last 50 fires, newest last. */
  @Get(':triggerId')
  async show(@Tenant() tenantId: string, @Param('triggerId') triggerId: string) {
    const definition = await this.triggers.get(tenantId, parseOr400(TriggerId, triggerId, 'triggerId'));
    if (!definition) throw this.triggers.notFound(triggerId);
    const history = await this.store.read(subjects.event(tenantId, 'mail-trigger', triggerId), registry);
    const fires = history.events
      .slice(-50)
      .map(({ event }) => ({ ...event.data, firedAt: event.occurredAt }));
    return { ...definition, lastFire: fires.at(-1) ?? null, fires };
  }

  @Post(':triggerId/pause')
  @HttpCode(200)
  pause(@Tenant() tenantId: string, @Param('triggerId') triggerId: string) {
    return this.change(tenantId, triggerId, true);
  }

  /** Messages that arrived while paused are fired now: the watcher resumes above the last fire. */
  @Post(':triggerId/resume')
  @HttpCode(200)
  resume(@Tenant() tenantId: string, @Param('triggerId') triggerId: string) {
    return this.change(tenantId, triggerId, false);
  }

  /** Its fires stay on the event stream: a trigger made again with the same id resumes above them. */
  @Delete(':triggerId')
  @HttpCode(204)
  async remove(@Tenant() tenantId: string, @Param('triggerId') triggerId: string) {
    await this.triggers.remove(tenantId, parseOr400(TriggerId, triggerId, 'triggerId'));
  }

  private async change(tenantId: string, triggerId: string, paused: boolean): Promise<MailTriggerView> {
    const id = parseOr400(TriggerId, triggerId, 'triggerId');
    const next = await this.triggers.update(tenantId, id, (current) => ({ ...current, paused }));
    return { ...next, lastFire: await this.lastFire(next) };
  }

  private async lastFire(definition: MailTriggerDefinition): Promise<MailTriggerView['lastFire']> {
    const subject = subjects.event(definition.tenantId, 'mail-trigger', definition.triggerId);
    const message = await directGet(await this.jsm(), STREAMS.events, { last_by_subj: subject });
    const parsed = message ? registry.parseBytes(message.data) : undefined;
    return parsed?.ok ? { ...parsed.message.data, firedAt: parsed.message.occurredAt } : null;
  }

  private jsm(): Promise<JetStreamManager> {
    this.manager ??= jetstreamManager(this.nc);
    return this.manager;
  }
}
