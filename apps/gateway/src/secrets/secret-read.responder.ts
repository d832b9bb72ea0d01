import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  JOB_EVENTS,
  MessageRegistry,
  SecretRead,
  SecretReadRequestSchema,
  decodeJson,
  subjects,
  type JobEvent,
  type SecretReadReply,
  type SecretReadRequest,
} from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import type { Principal } from '@aether/identity';
import { foldJob } from '@aether/job-domain';
import { EVENT_STORE, NATS_CONNECTION, type Logger } from '@aether/service-kit';
import { SecretUnreadableError, isInternalSecretName, sealTo, type SecretVault } from '@aether/vault';
import { Authenticator, UnauthenticatedError } from '../auth/authenticator';
import { SECRET_VAULT } from './secrets.controller';

export const SECRETS_LOGGER = Symbol('SECRETS_LOGGER');

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);
const encoder = new TextEncoder();

type Refusal = Extract<SecretReadReply, { refused: unknown }>;
const refuse = (refused: Refusal['refused'], message: string): Refusal => ({ refused, message });

/**
 * Answers robots' secret requests (`aether.ctl.<tenant>.secret.read`, queue group `gateway-secrets`).
 * A request is granted only to a robot credential of that tenant, for a job whose log shows that
 * robot running it now. Values go back sealed to the request's one-time key; every request, granted
 * or refused, is a `SecretRead` audit event naming the secrets, never carrying a value.
 */
@Injectable()
export class SecretReadResponder implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription?: Subscription;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SECRET_VAULT) private readonly vault: SecretVault,
    @Inject(SECRETS_LOGGER) private readonly logger: Logger,
    private readonly authenticator: Authenticator,
  ) {}

  onApplicationBootstrap() {
    this.subscription = this.nc.subscribe(subjects.secretRead('*'), {
      queue: 'gateway-secrets',
      callback: (error, message) => {
        if (error) return;
        this.answer(message).catch((failure: unknown) => {
          this.logger.error({ err: failure, subject: message.subject }, 'secret request failed');
          respond(message, refuse('unavailable', 'the vault could not answer; try again'));
        });
      },
    });
  }

  onModuleDestroy() {
    this.subscription?.unsubscribe();
  }

  private async answer(message: Msg): Promise<void> {
    const tenantId = message.subject.split('.')[2] as string;
    const decoded = decodeJson(message.data);
    const parsed = SecretReadRequestSchema.safeParse(decoded.ok ? decoded.value : undefined);
    if (!parsed.success) return respond(message, refuse('invalid-request', 'invalid secret request'));
    const request = parsed.data;

    let principal: Principal;
    try {
      principal = await this.authenticator.fromToken(request.credential);
    } catch (error) {
      if (!(error instanceof UnauthenticatedError)) throw error;
      this.logger.warn({ tenantId, jobId: request.jobId, reason: error.message }, 'secret request refused');
      return respond(message, refuse('unauthenticated', error.message));
    }
    const refusal = await this.refusalFor(principal, tenantId, request);
    if (refusal) {
      await this.audit(tenantId, principal, request, [], refusal.refused);
      this.logger.warn(
        { tenantId, jobId: request.jobId, caller: principal.subject, reason: refusal.message },
        'secret request refused',
      );
      return respond(message, refusal);
    }

    const values: Record<string, string> = {};
    const missing: { name: string; reason: 'not-found' | 'unreadable' }[] = [];
    for (const name of new Set(request.names)) {
      try {
        // The platform's own secrets (webhook keys) are not for workflows: as if absent.
        const value = isInternalSecretName(name) ? undefined : await this.vault.read(tenantId, name);
        if (value === undefined) missing.push({ name, reason: 'not-found' });
        else values[name] = value;
      } catch (error) {
        if (!(error instanceof SecretUnreadableError)) throw error;
        this.logger.warn({ tenantId, secret: name, reason: error.reason }, 'secret unreadable');
        missing.push({ name, reason: 'unreadable' });
      }
    }
    // Recorded before the values leave: a read that is not audited does not happen.
    await this.audit(tenantId, principal, request, Object.keys(values));
    respond(message, {
      sealed: sealTo(request.recipientKey, Buffer.from(JSON.stringify(values)), request.jobId),
      missing,
    });
  }

  private async refusalFor(
    principal: Principal,
    tenantId: string,
    request: SecretReadRequest,
  ): Promise<Refusal | undefined> {
    if (principal.role !== 'robot' || principal.tenantId !== tenantId)
      return refuse('not-a-robot', `secrets are handed to robots of tenant ${tenantId} only`);
    const history = await this.store.read(subjects.event(tenantId, 'job', request.jobId), jobEvents);
    const job = foldJob(history.events.map((stored) => stored.event));
    if (job.status !== 'running' || job.robotId !== principal.name)
      return refuse('not-holder', `job ${request.jobId} is not running on robot ${principal.name}`);
    return undefined;
  }

  private async audit(
    tenantId: string,
    principal: Principal,
    request: SecretReadRequest,
    granted: string[],
    refused?: Refusal['refused'],
  ): Promise<void> {
    const day = new Date().toISOString().slice(0, 10);
    const event = SecretRead.create({
      tenantId,
      aggregateId: day,
      data: {
        actor: { subject: principal.subject, name: principal.name, role: principal.role, via: principal.via },
        jobId: request.jobId,
        names: [...new Set(request.names)],
        granted,
        ...(refused ? { refused } : {}),
      },
    });
    await this.store.append(subjects.event(tenantId, 'audit', day), [event], 'any');
  }
}

function respond(message: Msg, reply: SecretReadReply): void {
  message.respond(encoder.encode(JSON.stringify(reply)));
}
