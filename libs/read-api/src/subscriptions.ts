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
