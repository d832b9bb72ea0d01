import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventually, placeOffClient, startNatsCluster, type TestNatsCluster } from '@aether/testing';
import { connectNats } from './connection';
import { EventStore } from './event-store';
import type { ResumeNotice } from './event-subscription';

const STREAM = 'FEEDS';
const SUBJECT = 'feeds.job.1';
/** A liveness guard, not a claim: measured figures are in ADR 41's table (18.1 s at CI's load). */
const RECOVERY_BOUND_MS = 30_000;

describe('a subscription whose consumer node dies while its own connection survives', () => {
  let cluster: TestNatsCluster;
  const connections: NatsConnection[] = [];

  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close()));
    await cluster?.stop();
  });

  const connectTo = async (servers: string) => {
    const nc = await connectNats({ servers, name: 'feed-failover' });
    connections.push(nc);
    return nc;
  };
  /** Publishes with a message id, retried until acknowledged: the stream holds each exactly once. */
  const publish = (js: JetStreamClient, n: number) =>
    eventually(async () => (await js.publish(SUBJECT, `m${n}`, { msgID: `m${n}` })).seq, {
      timeoutMs: 20_000,
      what: `publishing m${n}`,
    });

  it('moves to a new consumer and delivers what follows once each, in order, within 30 s', async () => {
    const admin = await connectTo(cluster.servers);
    const jsm = await jetstreamManager(admin);
    await jsm.streams.add({ name: STREAM, subjects: ['feeds.>'], num_replicas: 3 });
    for (let n = 1; n <= 5; n++) await publish(jetstream(admin), n);

    const received: { seq: number; data: string }[] = [];
    const resumes: ResumeNotice[] = [];
    const {
      candidate: feed,
      host,
      others,
    } = await placeOffClient(
      cluster,
      () => jsm.consumers.list(STREAM),
      async (client) =>
        new EventStore(jetstream(await connectTo(client.url)), jsm, STREAM).subscribe(SUBJECT, 1, {
          onResume: (notice) => resumes.push(notice),
        }),
      (candidate) => candidate.stop(),
    );
    const reading = (async () => {
      for await (const message of feed) received.push({ seq: message.seq, data: message.string() });
    })();
    try {
      await eventually(() => (received.length === 5 ? true : undefined), { what: 'the first five' });

      await host.kill();
      const killedAt = Date.now();
      const survivors = await connectTo(others);
      for (let n = 6; n <= 10; n++) await publish(jetstream(survivors), n);
      await eventually(() => (received.length >= 10 ? true : undefined), {
        timeoutMs: RECOVERY_BOUND_MS,
        what: 'the messages published after the kill',
      });
      const recoveryMs = Date.now() - killedAt;
      console.log(`feed delivered again ${recoveryMs} ms after its consumer's node was killed`);

      await new Promise((resolve) => setTimeout(resolve, 1_000)); // a late duplicate would show here
      expect(received.map((m) => m.data)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 1}`));
      expect(received.map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      expect(resumes[0]).toEqual({ from: 6 });
      expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
    } finally {
      feed.stop();
      await reading;
    }
  }, 60_000);
});
