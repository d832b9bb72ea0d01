import {
  Body,
  Controller,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { AggregateIdSchema, STREAMS } from '@aether/contracts';
import {
  DEFAULT_WORK_CONSUMER,
  ensureConsumer,
  poolWorkConsumer,
  robotWorkConsumer,
} from '@aether/event-store';
import { ensureArtifactsBucket, type BucketSettings } from '@aether/kv-state';
import { JETSTREAM_MANAGER, NATS_CONNECTION } from '@aether/service-kit';
import { EnrolmentRefusedError, type Principal, type RobotCredentials } from '@aether/identity';
import { CurrentPrincipal } from '../auth/principal';
import { parseOr400 } from '../common/validation';

export const ROBOT_CREDENTIALS = Symbol('ROBOT_CREDENTIALS');
/** Replicas and placement of the tenants' artifacts buckets the gateway makes at enrolment. */
export const ARTIFACTS_BUCKET_SETTINGS = Symbol('ARTIFACTS_BUCKET_SETTINGS');

export const EnrolmentBody = z
  .object({
    /** The robot's pool, when it pulls a pool's work besides its own. */
    pool: AggregateIdSchema.optional(),
    /** How long the token may be exchanged, seconds. Default 24 h. */
    ttlSeconds: z
      .number()
      .int()
      .positive()
      .max(30 * 86_400)
      .optional(),
  })
  .strict();

export const EnrolBody = z
  .object({
    token: z.string().min(1).max(200),
    /** The robot's own NATS user public key (`U…`); its seed never leaves the robot. */
    publicKey: z.string().regex(/^U[A-Z2-7]{55}$/, 'a NATS user public key (U…)'),
  })
  .strict();

/**
 * Robots' NATS credentials (ADR 38): an admin issues a one-time enrolment token, the robot
 * exchanges it for a user JWT on its own key, an admin revokes it. Answers 404 where the gateway
 * holds no NATS authority (`NATS_AUTHORITY_FILE`).
 */
@Controller('api/v1/robots')
export class RobotCredentialsController {
  constructor(
    @Inject(ROBOT_CREDENTIALS) private readonly credentials: RobotCredentials | null,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(ARTIFACTS_BUCKET_SETTINGS) private readonly artifacts: BucketSettings,
  ) {}

  @Post(':robotId/enrolment')
  async issue(
    @CurrentPrincipal() principal: Principal,
    @Param('robotId') robotId: string,
    @Body() body: unknown,
  ) {
    const id = parseOr400(AggregateIdSchema, robotId, 'robotId');
    const { pool, ttlSeconds } = parseOr400(EnrolmentBody, body ?? {}, 'body');
    return this.available().issueEnrolment({
      tenantId: principal.tenantId,
      robotId: id,
      ...(pool ? { pool } : {}),
      createdBy: principal.subject,
      ...(ttlSeconds ? { ttlMs: ttlSeconds * 1000 } : {}),
    });
  }

  @Post('enrol')
  @HttpCode(200)
  async enrol(@Body() body: unknown) {
    const { token, publicKey } = parseOr400(EnrolBody, body ?? {}, 'body');
    let enrolled;
    try {
      enrolled = await this.available().enrol(token, publicKey);
    } catch (error) {
      if (error instanceof EnrolmentRefusedError) throw new UnauthorizedException('enrolment token refused');
      throw error;
    }
    // The robot may only bind to its consumers and its tenant's artifacts bucket, not make them:
    // they are made here, before it connects.
    await ensureConsumer(this.jsm, STREAMS.work, robotWorkConsumer(enrolled.robotId, DEFAULT_WORK_CONSUMER));
    if (enrolled.pool)
      await ensureConsumer(this.jsm, STREAMS.work, poolWorkConsumer(enrolled.pool, DEFAULT_WORK_CONSUMER));
    await ensureArtifactsBucket(this.nc, enrolled.tenantId, this.artifacts);
    return enrolled;
  }

  @Post(':robotId/revoke')
  @HttpCode(204)
  async revoke(@CurrentPrincipal() principal: Principal, @Param('robotId') robotId: string) {
    const id = parseOr400(AggregateIdSchema, robotId, 'robotId');
    if (!(await this.available().revoke(principal.tenantId, id, principal.subject)))
      throw new NotFoundException(`robot ${robotId} has no credentials`);
  }

  private available(): RobotCredentials {
    // Below 500: a gateway without NATS accounts has no such feature, nothing failed.
    if (!this.credentials)
      throw new NotFoundException('robot enrolment is not enabled: the gateway has no NATS_AUTHORITY_FILE');
    return this.credentials;
  }
}
