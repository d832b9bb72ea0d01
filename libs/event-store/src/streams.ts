import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { STREAMS, subjects } from '@aether/contracts';

const NANOS_PER_MS = 1_000_000;
export const nanos = (ms: number): number => ms * NANOS_PER_MS;

export interface StreamSettings {
  /** Copies of each stream in a cluster; 1 on one machine, 3 in production. Default 1. */
  replicas: number;
  /** How long a `Nats-Msg-Id` is remembered for de-duplication. Default 2 min. */
  duplicateWindowMs: number;
  /** How long quarantined messages are kept. Default 30 days. */
  quarantineMaxAgeMs: number;
}

export const DEFAULT_STREAM_SETTINGS: StreamSettings = {
  replicas: 1,
  duplicateWindowMs: 2 * 60_000,
  quarantineMaxAgeMs: 30 * 24 * 3_600_000,
};

/** The platform's streams as code: one place, created or updated idempotently at start-up. */
export function streamConfigs(settings: StreamSettings = DEFAULT_STREAM_SETTINGS): Partial<StreamConfig>[] {
  const common = {
    storage: StorageType.File,
    num_replicas: settings.replicas,
    duplicate_window: nanos(settings.duplicateWindowMs),
  };
  return [
    {
      ...common,
      name: STREAMS.events,
      subjects: [subjects.allEvents],
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      allow_direct: true,
    },
    { ...common, name: STREAMS.work, subjects: [subjects.allWork], retention: RetentionPolicy.Workqueue },
    {
      ...common,
      name: STREAMS.commands,
      subjects: [subjects.allCommands],
      retention: RetentionPolicy.Workqueue,
    },
    {
      ...common,
      name: STREAMS.quarantine,
      subjects: [subjects.allQuarantine],
      retention: RetentionPolicy.Limits,
      max_age: nanos(settings.quarantineMaxAgeMs),
    },
  ];
}

export async function ensureStreams(jsm: JetStreamManager, configs = streamConfigs()): Promise<void> {
  for (const config of configs) {
    const name = config.name as string;
    try {
      const existing = await jsm.streams.info(name);
      if (needsUpdate(existing.config as unknown as Record<string, unknown>, config)) {
        await jsm.streams.update(name, config);
      }
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound))
        throw error;
      await jsm.streams.add({ ...config, name });
    }
  }
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
  return Object.entries(wanted).some(
    ([key, value]) => JSON.stringify(existing[key]) !== JSON.stringify(value),
  );
}
