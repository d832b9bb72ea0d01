import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import {
  KV_BUCKETS,
  MessageRegistry,
  ROBOT_EVENTS,
  RobotPresenceSchema,
  subjects,
  type RobotEvent,
  type RobotPresence,
  type RobotVitalsTrend,
} from '@aether/contracts';
import { EventStore, connectNats, ensureStreams } from '@aether/event-store';
import { KvMirror, openBucket } from '@aether/kv-state';
import { startNatsServer, type TestNatsServer } from '@aether/testing';
import { RobotRegistry } from '../robot-registry';
import { VitalsTrendRecorder } from '../vitals-trend';

/** What the integration specs' robots register with. */
export const capabilities = {
  platform: 'linux' as const,
  browsers: ['chromium' as const],
  desktop: false,
  maxConcurrentJobs: 2,
  cores: 2,
  memoryMb: 2048,
  tags: ['eu'],
};

const robotEvents = new MessageRegistry<RobotEvent>(ROBOT_EVENTS);

/** A `RobotRegistry` on a nats-server of its own, and what its specs read back. */
export interface RegistryOnNats {
  readonly server: TestNatsServer;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly registry: RobotRegistry;
  /** The robot's presence in the `robots` KV bucket. */
  presence(robotId: string): Promise<RobotPresence | undefined>;
  /** The robot's vitals trend in the `robot-vitals` bucket, as last written. */
  trend(robotId: string): Promise<RobotVitalsTrend | undefined>;
  /** The robot's events, oldest first. */
  history(robotId: string): Promise<RobotEvent[]>;
  stop(): Promise<void>;
}

/** Starts a nats-server, the streams and the `robots` bucket, and a registry on them whose clock is `now`. */
export async function startRegistryOnNats(name: string, now: () => number): Promise<RegistryOnNats> {
  const server = await startNatsServer();
  const nc = await connectNats({ servers: server.url, name });
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm);
  const js = jetstream(nc);
  const store = new EventStore(js, jsm);
  const kv: KV = await openBucket(nc, KV_BUCKETS.robots);
  const view = await KvMirror.start(kv, { parse: (value) => RobotPresenceSchema.safeParse(value).data });
  const logger = pino({ level: 'silent' });
  const vitalsKv = await openBucket(nc, KV_BUCKETS.robotVitals);
  const registry = new RobotRegistry(
    kv,
    view,
    store,
    logger,
    { missedHeartbeats: 3, offlineAfterMs: 15_000 },
    now,
    new VitalsTrendRecorder(vitalsKv, logger, 60_000, now),
  );
  return {
    server,
    nc,
    js,
    registry,
    presence: async (robotId) => (await kv.get(`default.${robotId}`))?.json<RobotPresence>(),
    trend: async (robotId) => (await vitalsKv.get(`default.${robotId}`))?.json<RobotVitalsTrend>(),
    history: async (robotId) =>
      (await store.read(subjects.event('default', 'robot', robotId), robotEvents)).events.map((e) => e.event),
    async stop() {
      view.stop();
      await nc.close();
      await server.stop();
    },
  };
}
