import { INTERNAL_SECRET_PREFIX } from '@aether/vault';

/**
 * Where a subscription's signing secret lives in its tenant's vault: an internal name, so the
 * secrets API never lists, writes or removes it and no robot is ever handed it.
 */
export function subscriptionSecretName(subscriptionId: string): string {
  return `${INTERNAL_SECRET_PREFIX}subscription_${subscriptionId}`;
}
