import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  UnauthorizedException,
  ConflictException,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import {
  DEFAULT_PRIORITY,
  HookDefinitionSchema,
  JsonObjectSchema,
  KV_BUCKETS,
  PlacementSchema,
  PrioritySchema,
  RequestJob,
  subjects,
  type HookDefinition,
  type JsonObject,
} from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { listKeys, openBucket } from '@aether/kv-state';
import { EVENT_STORE, JETSTREAM, JETSTREAM_MANAGER, NATS_CONNECTION, type Logger } from '@aether/service-kit';
import { HookListSchema, type HookView } from '@aether/read-api';
import type { Principal } from '@aether/identity';
import { hookSecretName, type SecretVault } from '@aether/vault';
import { validateInputs } from '@aether/workflow';
import { CurrentPrincipal } from '../auth/principal';
import { PROBLEM_LOGGER } from '../common/problem.filter';
import { Tenant } from '../common/tenant';
import { SECRET_VAULT } from '../secrets/secrets.controller';
import { parseOr400 } from '../common/validation';
import { publishedVersionToRun } from '../workflows/published-workflows';
import { inputsRefused, requireTriggerInputs } from '../workflows/trigger-inputs';
import {
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  deliveryJobId,
  staleTimestamp,
  verify,
} from './hook-signature';

const HookId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'not a hook id');
export const CreateBody = z
  .object({
    workflowId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
    workflowVersion: z.number().int().positive().optional(),
    variables: JsonObjectSchema.default({}),
    priority: PrioritySchema.default(DEFAULT_PRIORITY),
    placement: PlacementSchema.optional(),
  })
  .strict();
const encoder = new TextEncoder();

/**
 * Webhook triggers. A hook is created with a secret (shown once); a delivery to
 * `POST /api/v1/hooks/{hookId}` must carry `X-Aether-Timestamp: <Unix seconds>` (within 5 min of
 * now) and `X-Aether-Signature: sha256=<HMAC of "<timestamp>.<raw body>">`.
 * Its JSON object body becomes the job's variables (over the hook's own). The job id is derived
 * from the hook and the `Idempotency-Key` header (or the signature), so a retried delivery
 * starts one job: the scheduler appends the job's first event with expected sequence 0. The
 * variables are checked against the version the job runs (pinned in its request): a delivery
 * that version refuses is answered 400 naming each problem, and no job starts (ADR 135).
 */
@Controller('api/v1/hooks')
export class HooksController {
  private bucket?: Promise<KV>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM) private readonly js: JetStreamClient,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    @Inject(SECRET_VAULT) private readonly vault: SecretVault,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROBLEM_LOGGER) private readonly logger: Logger,
  ) {}

  /** The signing key goes into the tenant's vault; the hook's record in KV never holds it. */
  @Post()
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    const input = parseOr400(CreateBody, body ?? {}, 'body');
    await requireTriggerInputs(this.store, principal.tenantId, input.workflowId, input.workflowVersion, {
      kind: 'hook',
      variables: input.variables,
    });
    const definition: HookDefinition = HookDefinitionSchema.parse({
      ...input,
      hookId: randomBytes(16).toString('base64url'),
      tenantId: principal.tenantId,
      paused: false,
      createdAt: new Date().toISOString(),
    });
    const secret = randomBytes(32).toString('base64url');
    await this.vault.write(principal.tenantId, hookSecretName(definition.hookId), secret, principal.subject);
    await (await this.kv()).create(definition.hookId, JSON.stringify(definition));
    return { ...view(definition), secret, url: `/api/v1/hooks/${definition.hookId}` };
  }

  @Get()
  async list(@Tenant() tenantId: string): Promise<HookView[]> {
    const kv = await this.kv();
    const found: HookView[] = [];
    for (const name of await listKeys(kv)) {
      const hook = await this.read(kv, name);
      if (hook?.tenantId === tenantId) found.push(view(hook));
    }
    return HookListSchema.parse(found.sort((a, b) => a.createdAt.localeCompare(b.createdAt)));
  }

  @Get(':hookId')
  async show(@Tenant() tenantId: string, @Param('hookId') hookId: string) {
    return view(await this.owned(tenantId, hookId));
  }

  @Post(':hookId/pause')
  @HttpCode(200)
  pause(@Tenant() tenantId: string, @Param('hookId') hookId: string) {
    return this.setPaused(tenantId, hookId, true);
  }

  @Post(':hookId/resume')
  @HttpCode(200)
  resume(@Tenant() tenantId: string, @Param('hookId') hookId: string) {
    return this.setPaused(tenantId, hookId, false);
  }

  @Delete(':hookId')
  @HttpCode(204)
  async remove(@Tenant() tenantId: string, @Param('hookId') hookId: string) {
    const hook = await this.owned(tenantId, hookId);
    await (await this.kv()).delete(hook.hookId);
    await this.vault.remove(tenantId, hookSecretName(hook.hookId));
  }

  /** A delivery from outside: the hook's secret, not a tenant header, says who it is for. */
  @Post(':hookId')
  @HttpCode(202)
  async deliver(
    @Param('hookId') hookId: string,
    @Body() body: unknown,
    @Headers(SIGNATURE_HEADER) signature: string | undefined,
    @Headers(IDEMPOTENCY_HEADER) idempotencyKey: string | undefined,
    @Headers(TIMESTAMP_HEADER) timestamp: string | undefined,
  ) {
    const id = parseOr400(HookId, hookId, 'hookId');
    if (!signature)
      throw new UnauthorizedException(
        `missing ${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of "<${TIMESTAMP_HEADER}>.<exact body>", keyed with the hook's secret>`,
      );
    const stale = staleTimestamp(timestamp, Date.now());
    if (stale) throw new UnauthorizedException(stale);
    const hook = await this.read(await this.kv(), id);
    const secret = hook && (await this.signingKey(hook));
    const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    // Unknown hook and bad signature answer alike, so hook ids cannot be probed.
    if (!hook || !secret || !verify(secret, (timestamp as string).trim(), bytes, signature))
      throw new UnauthorizedException('invalid signature');
    if (hook.paused) throw new ConflictException(`hook ${hookId} is paused`);
    const variables = parseOr400(JsonObjectSchema, { ...hook.variables, ...payloadOf(bytes) }, 'body');
    const { version, definition } = await publishedVersionToRun(
      this.store,
      hook.tenantId,
      hook.workflowId,
      hook.workflowVersion,
    );
    const problems = validateInputs(definition, variables, 'body');
    if (problems.length > 0) {
      // Problems name inputs and the workflow's rules, never a value given.
      this.logger.warn(
        { hookId: hook.hookId, tenantId: hook.tenantId, workflowId: hook.workflowId, version, problems },
        'hook delivery refused: the workflow version refuses its inputs',
      );
      throw inputsRefused(hook.workflowId, version, 'this delivery', problems);
    }
    const jobId = deliveryJobId(hook.hookId, idempotencyKey?.trim() || (signature ?? ''));
    const command = RequestJob.create({
      tenantId: hook.tenantId,
      aggregateId: jobId,
      id: `request:${jobId}`,
      data: {
        workflowId: hook.workflowId,
        workflowVersion: version,
        variables,
        priority: hook.priority,
        trigger: { kind: 'webhook', sourceId: hook.hookId },
        ...(hook.placement ? { placement: hook.placement } : {}),
      },
    });
    await this.js.publish(
      subjects.command(hook.tenantId, RequestJob.type),
      encoder.encode(JSON.stringify(command)),
      { msgID: command.id },
    );
    return { jobId, status: 'pending' };
  }

  /** The hook's key from the vault; a hook made before the vault held keys has its key moved there. */
  private async signingKey(hook: HookDefinition): Promise<string | undefined> {
    if (!hook.secret) return this.vault.read(hook.tenantId, hookSecretName(hook.hookId));
    await this.vault.write(hook.tenantId, hookSecretName(hook.hookId), hook.secret, 'gateway:hooks');
    const { secret: _plain, ...rest } = hook;
    await (await this.kv()).put(hook.hookId, JSON.stringify(rest));
    // The bucket keeps past values: the ones holding the key in plain text go.
    await this.jsm.streams.purge(`KV_${KV_BUCKETS.hooks}`, {
      filter: `$KV.${KV_BUCKETS.hooks}.${hook.hookId}`,
      keep: 1,
    });
    return hook.secret;
  }

  private async setPaused(tenantId: string, hookId: string, paused: boolean) {
    const hook = await this.owned(tenantId, hookId);
    await (await this.kv()).put(hook.hookId, JSON.stringify({ ...hook, paused }));
    return view({ ...hook, paused });
  }

  private async owned(tenantId: string, hookId: string): Promise<HookDefinition> {
    const hook = await this.read(await this.kv(), parseOr400(HookId, hookId, 'hookId'));
    if (!hook || hook.tenantId !== tenantId) throw new NotFoundException(`hook ${hookId} not found`);
    return hook;
  }

  private async read(kv: KV, hookId: string): Promise<HookDefinition | undefined> {
    const entry = await kv.get(hookId);
    return entry?.operation === 'PUT' ? HookDefinitionSchema.safeParse(entry.json()).data : undefined;
  }

  private kv(): Promise<KV> {
    this.bucket ??= openBucket(this.nc, KV_BUCKETS.hooks);
    return this.bucket;
  }
}

/** The secret never leaves the gateway after creation. */
function view(hook: HookDefinition): HookView {
  const { secret: _secret, ...rest } = hook;
  return { ...rest, url: `/api/v1/hooks/${hook.hookId}` };
}

function payloadOf(bytes: Buffer): JsonObject {
  if (bytes.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonObject;
    return { payload: parsed as JsonObject[string] };
  } catch {
    return { payload: bytes.toString('utf8') };
  }
}
