import { z } from 'zod';
import { ParkedDeliverySchema, SubscriptionDefinitionSchema } from '@aether/contracts';

/** An outbound subscription as listed: its definition (which never holds the secret). */
export const SubscriptionViewSchema = SubscriptionDefinitionSchema;
export type SubscriptionView = z.infer<typeof SubscriptionViewSchema>;
/** `GET /api/v1/subscriptions`, oldest first. */
export const SubscriptionListSchema = z.array(SubscriptionViewSchema);
/** `POST /api/v1/subscriptions`: the only answer that carries the signing secret. */
export const SubscriptionCreatedSchema = SubscriptionViewSchema.extend({
  /** HMAC-SHA256 key of `Aether-Signature`; shown once, kept in the vault. */
  secret: z.string(),
});
/** `GET /api/v1/subscriptions/{id}/parked`: deliveries that kept failing, lowest sequence first. */
export const ParkedDeliveryListSchema = z.object({ parked: z.array(ParkedDeliverySchema) });
/**
 * `GET /api/v1/subscriptions/{id}/deliveries`: how far its consumer has come, and the deliveries
 * that kept failing. `progress` is null while a redelivery replaces the consumer.
 */
export const SubscriptionDeliveriesSchema = z.object({
  subscriptionId: z.string(),
  progress: z
    .object({
      /** Every event up to this stream sequence was delivered (or is not the subscription's). */
      deliveredThrough: z.number().int().nonnegative(),
      /** Events not yet sent. */
      waiting: z.number().int().nonnegative(),
      /** Sent or being retried, not yet acknowledged. */
      inFlight: z.number().int().nonnegative(),
      redelivered: z.number().int().nonnegative(),
    })
    .nullable(),
  parked: z.array(ParkedDeliverySchema),
});
export type SubscriptionDeliveries = z.infer<typeof SubscriptionDeliveriesSchema>;
