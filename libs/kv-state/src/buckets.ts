import { Bucket, Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { KV_BUCKETS, type KvBucketName } from '@aether/contracts';
import {
  createOrFindStream,
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
  const options = {
    history: HISTORY[name],
    replicas: settings.replicas ?? 1,
    ...(placement ? { placement } : {}),
  };
  return createOrFindStream(() => new Kvm(nc).create(name, options));
}

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
  return reports;
}

/**
 * The keys of `kv` (a bucket from `openBucket`) matching `filter` (key syntax, `*` and `>`), from
 * the stream's per-subject counts in one request. `kv.keys()` lists through a consumer, and one
 * that runs while the bucket is written can wait forever: a vault rotation beside a writer hung in
 * half of 25 runs. Deleted and purged keys are listed too (their marker is a message); a read
 * tells them apart. Keys written while it runs may or may not be listed.
 */
export async function listKeys(kv: KV, filter = '>'): Promise<string[]> {
  if (!(kv instanceof Bucket)) throw new TypeError('listKeys reads the stream of a bucket opened by nats.js');
  const prefix = `${kv.prefix}.`;
  const info = await kv.jsm.streams.info(kv.stream, { subjects_filter: `${prefix}${filter}` });
  return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
}
