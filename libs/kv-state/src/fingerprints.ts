import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { fingerprintsBucket, type TenantId } from '@aether/contracts';
import { createOrFindStream, topologyOf } from '@aether/event-store';
import type { BucketSettings } from './buckets';

/**
 * The shared fingerprints bucket of before ADR 78, every tenant's keys in one stream: no longer
 * written nor granted; the healer deletes it at start.
 */
export const SHARED_FINGERPRINTS_BUCKET = 'aether-fingerprints';

/**
 * Creates the tenant's fingerprints bucket, or opens it as it is (ADR 78). The healer makes it
 * when it projects the tenant's first fingerprint; robots only open it.
 */
export function ensureFingerprintsBucket(
  nc: NatsConnection,
  tenantId: TenantId,
  settings: BucketSettings = {},
): Promise<KV> {
  const placement = topologyOf(settings).placement;
  return createOrFindStream(() =>
    new Kvm(nc).create(fingerprintsBucket(tenantId), {
      description: `Aether element fingerprints of tenant ${tenantId}, projected from its selector events`,
      history: 1,
      replicas: settings.replicas ?? 1,
      ...(placement ? { placement } : {}),
    }),
  );
}

/**
 * Opens a tenant's fingerprints bucket to read (robots, ADR 78), without a request: `get` is a
 * subject-suffixed direct get, the one read a robot's credentials allow (the default binding
 * reads through `STREAM.MSG.GET`). A bucket that does not exist yet fails at `get`.
 */
export function openFingerprintsBucket(nc: NatsConnection, tenantId: TenantId): Promise<KV> {
  return new Kvm(nc).open(fingerprintsBucket(tenantId), { allow_direct: true });
}

/**
 * Deletes the shared fingerprints bucket of before ADR 78, if it is still there: robots whose
 * credentials were signed before then may still read it, and nothing reads it any more. Its
 * content is a projection of the events; the tenants' buckets are filled from the events again.
 * Whether it was there.
 */
export async function deleteSharedFingerprintsBucket(jsm: JetStreamManager): Promise<boolean> {
  try {
    return await jsm.streams.delete(`KV_${SHARED_FINGERPRINTS_BUCKET}`);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return false;
    throw error;
  }
}
