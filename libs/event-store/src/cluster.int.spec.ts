import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  JOB_EVENTS,
  MessageRegistry,
  STREAMS,
  StepCompleted,
  subjects,
  type JobEvent,
} from '@aether/contracts';
import { eventually, startNatsCluster, type TestNatsCluster } from '@aether/testing';
import { connectNats } from './connection';
import { EventStore } from './event-store';
import {
  DEFAULT_STREAM_SETTINGS,
  ensureStreams,
  reconcileStream,
  streamConfigs,
  topologyOf,
} from './streams';

const registry = new MessageRegistry<JobEvent>(JOB_EVENTS);
const step = (jobId: string, n: number) =>
  StepCompleted.create({
    tenantId: 'default',
    aggregateId: jobId,
    data: { stepKey: `s${n}`, nodeId: `s${n}`, output: { n }, durationMs: n },
  });

describe('streams on a three-node JetStream cluster', () => {
  let cluster: TestNatsCluster;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    cluster = await startNatsCluster();
    nc = await connectNats({ servers: cluster.servers, name: 'cluster-test' });
    jsm = await jetstreamManager(nc);
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  it('creates every stream with three replicas when configured so', async () => {
    const reports = await ensureStreams(jsm, streamConfigs({ ...DEFAULT_STREAM_SETTINGS, replicas: 3 }));
    expect(reports.map((r) => r.outcome)).toEqual(['created', 'created', 'created', 'created']);
    const events = await jsm.streams.info(STREAMS.events);
    expect(events.config.num_replicas).toBe(3);
    expect(events.cluster?.replicas).toHaveLength(2);
  });

  it('grows an existing single-replica stream to three in place', async () => {
    await jsm.streams.add({ name: 'GROW', subjects: ['grow.>'], num_replicas: 1 });
    expect(await reconcileStream(jsm, { name: 'GROW', ...topologyOf({ replicas: 3 }) })).toEqual({
      stream: 'GROW',
      outcome: 'updated',
      changed: ['num_replicas'],
    });
    await eventually(
      async () => ((await jsm.streams.info('GROW')).cluster?.replicas?.length === 2 ? true : undefined),
      {
        what: 'two more replicas of GROW',
      },
    );
  });

  it('keeps every acknowledged event when the EVENTS leader is killed', async () => {
    const store = new EventStore(jetstream(nc), jsm);
    const subject = subjects.event('default', 'job', 'failover');
    let last = 0;
    for (let n = 1; n <= 5; n++)
      last = (await store.append(subject, [step('failover', n)], last)).lastSequence;

    const leaderName = (await jsm.streams.info(STREAMS.events)).cluster!.leader!;
    const leader = cluster.nodes.find((node) => node.name === leaderName)!;
    await leader.kill();
    const killedAt = Date.now();
    // retried with the same message id, so an append whose acknowledgement was lost is not repeated
    const sixth = step('failover', 6);
    last = await eventually(async () => (await store.append(subject, [sixth], last)).lastSequence, {
      timeoutMs: 20_000,
      what: 'an append after the EVENTS leader was killed',
    });
    const recoveryMs = Date.now() - killedAt;
    expect((await jsm.streams.info(STREAMS.events)).cluster!.leader).not.toBe(leaderName);

    await leader.restart();
    const history = await store.read(subject, registry);
    expect(history.events.map((e) => (e.event.data as { stepKey: string }).stepKey)).toEqual([
      's1',
      's2',
      's3',
      's4',
      's5',
      's6',
    ]);
    expect(recoveryMs).toBeLessThan(20_000);
  }, 40_000);
});
