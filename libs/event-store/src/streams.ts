import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { STREAMS, subjects, type StreamName } from '@aether/contracts';
import { createOrFindStream } from './creation-race';

const NANOS_PER_MS = 1_000_000;
export const nanos = (ms: number): number => ms * NANOS_PER_MS;

/** Where a stream's replicas may live: a cluster by name and/or servers carrying every tag. */
export interface StreamPlacement {
  cluster?: string;
  tags?: string[];
}

/** Retention limits of one stream. Unset means unlimited (or, for QUARANTINE, its default age). */
export interface StreamLimits {
  /** Messages older than this are removed, in ms. */
  maxAgeMs?: number;
  /** The stream's size bound, in bytes. Work-queue streams refuse new messages when full. */
  maxBytes?: number;
}

export interface StreamSettings {
  /**
   * Copies of each stream in a cluster; 1 on one machine, 3 in production. Unset: 1 when a
   * stream is created, and an existing stream keeps the replicas it has (so a service started
   * without the setting never shrinks a replicated stream).
   */
  replicas?: number;
  /** Placement of new and existing streams. Unset: the server chooses, existing placement is kept. */
  placement?: StreamPlacement;
  /** Limits per stream. Unset limits are not enforced on new streams and left alone on existing ones. */
  limits?: Partial<Record<StreamName, StreamLimits>>;
  /** How long a `Nats-Msg-Id` is remembered for de-duplication. Default 2 min. */
  duplicateWindowMs: number;
  /** How long quarantined messages are kept. Default 30 days. */
  quarantineMaxAgeMs: number;
}

export const DEFAULT_STREAM_SETTINGS: StreamSettings = {
  duplicateWindowMs: 2 * 60_000,
  quarantineMaxAgeMs: 30 * 24 * 3_600_000,
};

/** The platform's streams as code: one place, created or updated idempotently at start-up. */
export function streamConfigs(settings: StreamSettings = DEFAULT_STREAM_SETTINGS): Partial<StreamConfig>[] {
  const common = {
    storage: StorageType.File,
    duplicate_window: nanos(settings.duplicateWindowMs),
    ...topologyOf(settings),
  };
  const limits = (stream: StreamName, defaults: StreamLimits = {}) => {
    const wanted = { ...defaults, ...settings.limits?.[stream] };
    return {
      ...(wanted.maxAgeMs !== undefined ? { max_age: nanos(wanted.maxAgeMs) } : {}),
      ...(wanted.maxBytes !== undefined ? { max_bytes: wanted.maxBytes } : {}),
    };
  };
  return [
    {
      ...common,
      name: STREAMS.events,
      subjects: [subjects.allEvents],
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      allow_direct: true,
      ...limits(STREAMS.events),
    },
    {
      ...common,
      name: STREAMS.work,
      subjects: [subjects.allWork],
      retention: RetentionPolicy.Workqueue,
      ...workQueueLimits(limits(STREAMS.work)),
    },
    {
      ...common,
      name: STREAMS.commands,
      subjects: [subjects.allCommands],
      retention: RetentionPolicy.Workqueue,
      ...workQueueLimits(limits(STREAMS.commands)),
    },
    {
      ...common,
      name: STREAMS.quarantine,
      subjects: [subjects.allQuarantine],
      retention: RetentionPolicy.Limits,
      ...limits(STREAMS.quarantine, { maxAgeMs: settings.quarantineMaxAgeMs }),
    },
  ];
}

/** Replicas and placement as stream configuration: only what was configured, so the rest is kept. */
export function topologyOf(settings: Pick<StreamSettings, 'replicas' | 'placement'>): Partial<StreamConfig> {
  const placement = settings.placement;
  return {
    ...(settings.replicas !== undefined ? { num_replicas: settings.replicas } : {}),
    ...(placement && (placement.cluster || placement.tags?.length)
      ? {
          placement: {
            ...(placement.cluster ? { cluster: placement.cluster } : {}),
            ...(placement.tags?.length ? { tags: placement.tags } : {}),
          } as StreamConfig['placement'],
        }
      : {}),
  };
}

/** A full work queue must refuse a message, never drop the oldest unworked one. */
function workQueueLimits(limits: Partial<StreamConfig>): Partial<StreamConfig> {
  return limits.max_bytes !== undefined ? { ...limits, discard: DiscardPolicy.New } : limits;
}

/** JetStream cannot change these on an existing stream; a difference needs a new stream. */
const IMMUTABLE: readonly (keyof StreamConfig)[] = ['storage', 'retention', 'mirror', 'max_consumers'];

/** What start-up did to one stream. `refused` leaves the stream as it was and says why. */
export type StreamReconciliation =
  | { stream: string; outcome: 'created' | 'unchanged' }
  | { stream: string; outcome: 'updated'; changed: string[] }
  | { stream: string; outcome: 'refused'; changed: string[]; reason: string };

/**
 * Creates the stream, or brings an existing one to the wanted configuration where JetStream
 * allows it. Settings JetStream cannot change in place, and updates the server rejects (such as
 * three replicas on a server that is not clustered), are reported as `refused`, not thrown, so
 * the service keeps running on the stream as it is.
 */
export function reconcileStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<StreamReconciliation> {
  return createOrFindStream(() => reconcileOnce(jsm, config));
}

async function reconcileOnce(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<StreamReconciliation> {
  const stream = config.name;
  let existing: StreamInfo;
  try {
    existing = await jsm.streams.info(stream);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    const created = await jsm.streams.add(config);
    return unclustered(created, config) ?? { stream, outcome: 'created' };
  }
  const changed = differences(existing.config as unknown as Record<string, unknown>, config);
  if (changed.length === 0) return unclustered(existing, config) ?? { stream, outcome: 'unchanged' };
  const immutable = changed.filter((key) => (IMMUTABLE as string[]).includes(key));
  if (immutable.length > 0) {
    return {
      stream,
      outcome: 'refused',
      changed,
      reason: `JetStream cannot change ${immutable.join(', ')} of an existing stream (${describe(immutable, existing.config, config)})`,
    };
  }
  let updated: StreamInfo;
  try {
    updated = await jsm.streams.update(stream, config);
  } catch (error) {
    if (!(error instanceof JetStreamApiError)) throw error;
    return { stream, outcome: 'refused', changed, reason: `the server refused: ${error.message}` };
  }
  return unclustered(updated, config, changed) ?? { stream, outcome: 'updated', changed };
}

/**
 * A server that is not clustered records `num_replicas: 3` and keeps one copy, without an error:
 * that is reported on every start, not only when the setting changes.
 */
function unclustered(
  info: StreamInfo,
  wanted: Partial<StreamConfig>,
  changed: string[] = ['num_replicas'],
): StreamReconciliation | undefined {
  if ((wanted.num_replicas ?? 1) <= 1 || info.cluster) return undefined;
  return {
    stream: info.config.name,
    outcome: 'refused',
    changed,
    reason: `the server is not clustered: it keeps one copy although num_replicas is ${wanted.num_replicas}`,
  };
}

function describe(keys: string[], existing: StreamConfig, wanted: Partial<StreamConfig>): string {
  return keys
    .map((key) => {
      const k = key as keyof StreamConfig;
      return `${key}: ${JSON.stringify(existing[k])} → ${JSON.stringify(wanted[k])}`;
    })
    .join('; ');
}

export async function ensureStreams(
  jsm: JetStreamManager,
  configs = streamConfigs(),
): Promise<StreamReconciliation[]> {
  const reports: StreamReconciliation[] = [];
  for (const config of configs)
    reports.push(await reconcileStream(jsm, { ...config, name: config.name as string }));
  return reports;
}

/** Creates a durable consumer, or updates it in place when its configuration changed. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  try {
    const existing = await jsm.consumers.info(stream, config.durable_name);
    if (needsUpdate(existing.config as unknown as Record<string, unknown>, config)) {
      await jsm.consumers.update(stream, config.durable_name, config);
    }
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound))
      throw error;
    await jsm.consumers.add(stream, config);
  }
}

/** Deletes a durable consumer the code no longer uses, if it is still there. */
export async function retireConsumer(jsm: JetStreamManager, stream: string, durable: string): Promise<void> {
  try {
    await jsm.consumers.delete(stream, durable);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound))
      throw error;
  }
}

function needsUpdate(existing: Record<string, unknown>, wanted: object): boolean {
  return differences(existing, wanted).length > 0;
}

function differences(existing: Record<string, unknown>, wanted: object): string[] {
  return Object.entries(wanted)
    .filter(([key, value]) => JSON.stringify(existing[key]) !== JSON.stringify(value))
    .map(([key]) => key);
}
