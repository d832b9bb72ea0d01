import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS, type KvBucketName } from '@aether/contracts';

export interface BucketSettings {
  /** Copies in a cluster; 1 on one machine, 3 in production. Default 1. */
  replicas: number;
}

/** The platform's KV buckets as code: how many past values each keeps. */
const HISTORY: Record<KvBucketName, number> = {
  [KV_BUCKETS.robots]: 1,
  [KV_BUCKETS.schedules]: 5,
  [KV_BUCKETS.hooks]: 5,
  [KV_BUCKETS.dispatchPolicies]: 5,
  [KV_BUCKETS.dispatchSessions]: 1,
  [KV_BUCKETS.dispatcherState]: 1,
  [KV_BUCKETS.fingerprints]: 1,
  [KV_BUCKETS.users]: 5,
};

/** Opens a bucket, creating it on first use (idempotent; every service may call it at start-up). */
export async function openBucket(
  nc: NatsConnection,
  name: KvBucketName,
  settings: BucketSettings = { replicas: 1 },
): Promise<KV> {
  return new Kvm(nc).create(name, { history: HISTORY[name], replicas: settings.replicas });
}
