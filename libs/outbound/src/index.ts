export { SIGNATURE_HEADER, DELIVERY_ID_HEADER, signDelivery, verifyDelivery } from './signature';
export { retryDelayMs, type BackoffPolicy } from './backoff';
export { endpointRefusal } from './endpoint';
export { ParkedDeliveries } from './parked';
export {
  Subscriptions,
  EndpointRefusedError,
  type DeliveryProgress,
  type NewSubscription,
  type RedeliveryStart,
  type SubscriptionsOptions,
} from './subscriptions';
export { OutboundDeliveries } from './outbound-deliveries';
export type { DeliveryOptions } from './delivery';
