import { Kvm, type KV } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { KV_BUCKETS, OBJECT_BUCKETS, type KvBucketName } from '@aether/contracts';
import {
  reconcileStream,
  topologyOf,
  type StreamReconciliation,
  type StreamSettings,
} from '@aether/event-store';

/** Replicas and placement of the buckets; the same settings as the streams'. */
export type BucketSettings = Pick<StreamSettings, 'replicas' | 'placement'>;

/** The platform's KV buckets as code: how many past values each keeps. */
const HISTORY: Record<KvBucketName, number> = {
  [KV_BUCKETS.robots]: 1,
  [KV_BUCKETS.robotVitals]: 1,
  [KV_BUCKETS.schedules]: 5,
  [KV_BUCKETS.hooks]: 5,
  [KV_BUCKETS.mailTriggers]: 5,
  [KV_BUCKETS.dispatchPolicies]: 5,
  [KV_BUCKETS.dispatchSessions]: 1,
  [KV_BUCKETS.dispatcherState]: 1,
  [KV_BUCKETS.fingerprints]: 1,
  [KV_BUCKETS.users]: 5,
  [KV_BUCKETS.apiKeys]: 1,
  [KV_BUCKETS.secrets]: 1,
  [KV_BUCKETS.robotCredentials]: 1,
  [KV_BUCKETS.subscriptions]: 5,
  [KV_BUCKETS.outboundParked]: 1,
};

/**
 * Opens a bucket, creating it on first use (idempotent; every service may call it at start-up).
 * An existing bucket is opened as it is: `ensureBuckets` is what changes its replicas.
 */
export async function openBucket(
  nc: NatsConnection,
  name: KvBucketName,
  settings: BucketSettings = {},
): Promise<KV> {
  const placement = topologyOf(settings).placement;
  return new Kvm(nc).create(name, {
    history: HISTORY[name],
    replicas: settings.replicas ?? 1,
    ...(placement ? { placement } : {}),
  });
}

/** How long step artifacts are kept unless a robot opened the bucket first with its own. */
const ARTIFACTS_TTL_MS = 30 * 24 * 3_600_000;

/** Creates every bucket, and brings the replicas and placement of existing ones to the settings. */
export async function ensureBuckets(
  nc: NatsConnection,
  settings: BucketSettings,
): Promise<StreamReconciliation[]> {
  const jsm = await jetstreamManager(nc);
  const reports: StreamReconciliation[] = [];
  for (const name of Object.values(KV_BUCKETS)) {
    await openBucket(nc, name, settings);
    reports.push(await reconcileStream(jsm, { name: `KV_${name}`, ...topologyOf(settings) }));
  }
  // Robots write artifacts; one under its own credentials may not create the bucket (ADR 38).
  const placement = topologyOf(settings).placement;
  await new Objm(nc).create(OBJECT_BUCKETS.artifacts, {
    description: 'Aether step artifacts: screenshots, downloads, DOM snapshots',
    ttl: ARTIFACTS_TTL_MS * 1_000_000,
    replicas: settings.replicas ?? 1,
    ...(placement ? { placement } : {}),
  });
  return reports;
}
