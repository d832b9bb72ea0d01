import { z } from 'zod';
import { EnvelopeSchema } from '../envelope';

/** A subscription's id: 24 lowercase hex digits (it also names its consumer and its vault secret). */
export const SubscriptionIdSchema = z.string().regex(/^[a-f0-9]{24}$/, 'not a subscription id');

/** A redelivery's start: an EVENTS stream sequence, or the first event stored at or after a time. */
export const SubscriptionStartSchema = z.discriminatedUnion('from', [
  z.object({ from: z.literal('new') }),
  z.object({ from: z.literal('sequence'), sequence: z.number().int().positive() }),
  z.object({ from: z.literal('time'), time: z.iso.datetime() }),
]);
export type SubscriptionStart = z.infer<typeof SubscriptionStartSchema>;

/**
 * An outbound subscription, in the `aether-subscriptions` KV bucket under its id. Its signing
 * secret is not here: it sits in the vault under an internal name (ADR 57).
 */
export const SubscriptionDefinitionSchema = z.object({
  /** This shape's version; later versions only add optional fields. */
  schemaVersion: z.literal(1),
  subscriptionId: SubscriptionIdSchema,
  tenantId: z.string().min(1),
  /** Where deliveries are POSTed. `https:` unless the gateway allows plain HTTP to this host. */
  url: z.url(),
  /** Job event types delivered (e.g. `JobCompleted`); empty: every type. */
  eventTypes: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,99}$/)).max(50),
  /** Only jobs of these workflows; empty: every workflow. */
  workflowIds: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,128}$/)).max(50),
  createdAt: z.iso.datetime(),
  /**
   * Bumped by each redelivery request: generation `g` is consumed by the durable
   * `outbound-<id>-<g>`, which starts at `start`.
   */
  generation: z.number().int().nonnegative(),
  /** Where the current generation's consumer started: events after creation, or a redelivery's start. */
  start: SubscriptionStartSchema,
});
export type SubscriptionDefinition = z.infer<typeof SubscriptionDefinitionSchema>;

/** The durable consumer of a subscription's generation. */
export function subscriptionConsumerName(subscriptionId: string, generation: number): string {
  return `outbound-${subscriptionId}-${generation}`;
}

/**
 * The JSON body of one delivery: the events of one stored message of a job (one commit, ADR 22)
 * that pass the subscription's filter. Signed with `Aether-Signature: t=<unix s>,v1=<hex>`, the
 * HMAC-SHA256 of `<t>.<body>` under the subscription's secret.
 */
export const OutboundDeliverySchema = z.object({
  type: z.literal('aether.job.events'),
  version: z.literal(1),
  subscriptionId: SubscriptionIdSchema,
  tenantId: z.string().min(1),
  jobId: z.string().min(1),
  /**
   * The EVENTS stream sequence of the message: increases along a job's events, and is what a
   * redelivery starts from. A redelivered message carries the same sequence (dedupe on it).
   */
  sequence: z.number().int().positive(),
  /** The job's workflow, when the delivery service could read it. */
  workflowId: z.string().optional(),
  events: z.array(EnvelopeSchema).min(1),
});
export type OutboundDelivery = z.infer<typeof OutboundDeliverySchema>;

/**
 * A delivery that kept failing, set aside in the `aether-outbound-parked` KV bucket under
 * `delivery.<subscriptionId>.<sequence>` until a redelivery covers it. Later messages of the same
 * job are parked behind it (`heldBehind`), so a job's events are never delivered out of order.
 */
export const ParkedDeliverySchema = z.object({
  schemaVersion: z.literal(1),
  subscriptionId: SubscriptionIdSchema,
  tenantId: z.string().min(1),
  jobId: z.string().min(1),
  sequence: z.number().int().positive(),
  /** Attempts made (0 when it was parked behind an earlier parked message of its job). */
  attempts: z.number().int().nonnegative(),
  /** The last failure: an HTTP status or a network error, never a body. */
  lastError: z.string().max(500),
  parkedAt: z.iso.datetime(),
  /** When the message was stored in EVENTS (a redelivery from a time releases it by this). */
  storedAt: z.iso.datetime(),
  /** The sequence of the earlier parked message of the same job this one waits behind. */
  heldBehind: z.number().int().positive().optional(),
});
export type ParkedDelivery = z.infer<typeof ParkedDeliverySchema>;
