import { createHash } from 'node:crypto';
import { ConflictException, BadRequestException } from '@nestjs/common';
import { stringify } from 'safe-stable-stringify';
import {
  MessageRegistry,
  TRIGGER_KEY_EVENTS,
  TriggerKeyClaimed,
  subjects,
  type TriggerKeyEvent,
} from '@aether/contracts';
import { ConcurrencyError, type EventStore } from '@aether/event-store';
import { decideTriggerKey, foldTriggerKey } from '@aether/job-domain';

const registry = new MessageRegistry<TriggerKeyEvent>(TRIGGER_KEY_EVENTS);
/** Printable ASCII, as the IETF Idempotency-Key draft and Stripe's keys are. */
const KEY = /^[\x21-\x7e]{1,255}$/;
/** Appends lost to another replica before this one gives up (each loss means a new claim won). */
const MAX_RACES = 3;

export interface KeyedTrigger {
  readonly jobId: string;
  /** The key was already claimed by the same request: this is its job, no new one was started. */
  readonly replayed: boolean;
}

/**
 * `Idempotency-Key` on triggers, held on the event stream (ADR 54): the key's subject takes one
 * `TriggerKeyClaimed` per retention window, appended with the expected last sequence, so every
 * gateway replica agrees on the job a key started.
 */
export class TriggerKeys {
  constructor(
    private readonly store: EventStore,
    private readonly retentionMs: number,
  ) {}

  /**
   * The job of `key` for `request`: `newJobId` once it is claimed for it, the first job when the
   * same request was made before.
   * @throws ConflictException when the key was used with another request within the retention.
   */
  async claim(
    tenantId: string,
    key: string,
    workflowId: string,
    request: unknown,
    newJobId: string,
  ): Promise<KeyedTrigger> {
    if (!KEY.test(key))
      throw new BadRequestException({
        problems: [{ path: 'Idempotency-Key', message: '1 to 255 printable ASCII characters' }],
      });
    const subject = subjects.event(tenantId, 'trigger-key', digest(key));
    const requestHash = digest(stringify({ workflowId, request }) ?? '');
    for (let race = 0; ; race++) {
      const history = await this.store.read(subject, registry);
      const state = foldTriggerKey(history.events.map((stored) => stored.event));
      const decision = decideTriggerKey(state, requestHash, new Date(), this.retentionMs);
      switch (decision.kind) {
        case 'replay':
          return { jobId: decision.jobId, replayed: true };
        case 'conflict':
          throw new ConflictException(
            `Idempotency-Key was used with a different request within its retention; it started job ${decision.jobId}`,
          );
        case 'claim':
          try {
            const event = TriggerKeyClaimed.create({
              tenantId,
              aggregateId: digest(key),
              correlationId: newJobId,
              data: { requestHash, jobId: newJobId, workflowId },
            });
            await this.store.append(subject, [event], history.lastSequence);
            return { jobId: newJobId, replayed: false };
          } catch (error) {
            if (!(error instanceof ConcurrencyError) || race + 1 >= MAX_RACES) throw error;
          }
      }
    }
  }
}

/** SHA-256, base64url: a subject token that names a key without storing it. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
