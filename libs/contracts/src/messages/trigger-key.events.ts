import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { AggregateIdSchema } from '../ids';

/** A SHA-256 digest, base64url without padding: fits a subject token. */
export const Sha256TokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a base64url SHA-256 digest');

/**
 * A trigger's `Idempotency-Key` claimed for one job, on
 * `aether.evt.<tenant>.trigger-key.<sha256(key)>`, appended with the subject's expected last
 * sequence: of any number of gateway replicas racing with the same key, exactly one append
 * succeeds and every other one reads the winner's job (ADR 54). The key itself is not stored.
 */
export const TriggerKeyClaimed = defineMessage({
  kind: 'event',
  aggregate: 'trigger-key',
  type: 'TriggerKeyClaimed',
  version: 1,
  schema: z.object({
    /** SHA-256 of the canonical request (workflow id and the parsed body, defaults applied). */
    requestHash: Sha256TokenSchema,
    jobId: AggregateIdSchema,
    workflowId: AggregateIdSchema,
  }),
});

export const TRIGGER_KEY_EVENTS = [TriggerKeyClaimed] as const;
export type TriggerKeyEvent = MessageOf<typeof TriggerKeyClaimed>;
