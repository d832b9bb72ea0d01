import { jetstreamManager, jetstream, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { STREAMS } from '@aether/contracts';
import { connectNats, DEFAULT_STREAM_SETTINGS, ensureStreams, streamConfigs } from '@aether/event-store';
import { eventually, startNatsCluster, type TestNatsCluster } from '@aether/testing';
import { electedAfter, isolateLeader, ledBy, PROBE_SUBJECT, probeAppend } from './cluster';

/** What `npm run chaos:cluster` relies on to time the WORK leader's loss apart from the others. */
describe('the WORK leader killed alone', () => {
  let cluster: TestNatsCluster;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    cluster = await startNatsCluster();
    nc = await connectNats({ servers: cluster.servers, name: 'chaos-cluster-spec' });
    jsm = await jetstreamManager(nc, { timeout: 2_000 });
    await ensureStreams(jsm, streamConfigs({ ...DEFAULT_STREAM_SETTINGS, replicas: 3 }));
  }, 90_000);
  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  const leader = async (stream: string) => (await jsm.streams.info(stream)).cluster?.leader;

  it('moves every other leadership off its node, then answers a probe append after the kill', async () => {
    // Make the isolation do something: EVENTS led from WORK's node (a step-down elects one of the others at random).
    await eventually(
      async () => {
        const [events, work] = [await leader(STREAMS.events), await leader(STREAMS.work)];
        if (events && events === work) return true;
        await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${STREAMS.events}`, '{}', { timeout: 5_000 });
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, what: 'EVENTS and WORK led from one node' },
    );
    const node = await isolateLeader(nc, jsm, cluster, STREAMS.work);
    expect(await leader(STREAMS.work)).toBe(node.name);
    expect(await ledBy(jsm, cluster, node, STREAMS.work)).toEqual([]);
    expect(await leader(STREAMS.events)).not.toBe(node.name);

    const workBefore = (await jsm.streams.info(STREAMS.work)).state.last_seq;
    const at = Date.now();
    await node.kill();
    const [elected, probe] = await Promise.all([
      electedAfter(jsm, STREAMS.work, node.name, 30_000),
      probeAppend(jetstream(nc), 'spec', 30_000),
    ]);
    expect(probe.seq).toBeGreaterThan(workBefore);
    expect(probe.at - at).toBeLessThan(30_000);
    expect(elected - at).toBeLessThan(30_000);
    expect(await leader(STREAMS.work)).not.toBe(node.name);
    // Acknowledged once, whatever attempts the election swallowed.
    const held = await jsm.streams.info(STREAMS.work, { subjects_filter: PROBE_SUBJECT });
    expect(held.state.subjects).toEqual({ [PROBE_SUBJECT]: 1 });

    await jsm.streams.purge(STREAMS.work, { filter: PROBE_SUBJECT });
    expect((await jsm.streams.info(STREAMS.work)).state.messages).toBe(0);
    await node.restart();
  }, 180_000);
});
