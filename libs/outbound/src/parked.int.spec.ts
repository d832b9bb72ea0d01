import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS, type ParkedDelivery } from '@aether/contracts';
import { connectNats } from '@aether/event-store';
import { openBucket } from '@aether/kv-state';
import { startNatsServer, type TestNatsServer } from '@aether/testing';
import { ParkedDeliveries } from './parked';

const subscriptionId = 'ab'.repeat(12);
const parked = (jobId: string, sequence: number): ParkedDelivery => ({
  schemaVersion: 1,
  subscriptionId,
  tenantId: 'acme',
  jobId,
  sequence,
  attempts: 3,
  lastError: 'HTTP 503',
  parkedAt: new Date().toISOString(),
  storedAt: new Date(sequence * 1_000).toISOString(),
});

describe('ParkedDeliveries (real nats-server)', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let kv: KV;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ servers: nats.url, name: 'parked-test' });
    kv = await openBucket(nc, KV_BUCKETS.outboundParked);
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it("releases what a redelivery sends again and rebuilds each job's marker from what stays, writing nothing the second time", async () => {
    const deliveries = new ParkedDeliveries(kv);
    // Jobs j0…j9, three parked messages each: sequences 10j+1, 10j+2, 10j+3.
    for (let job = 0; job < 10; job++)
      for (let n = 1; n <= 3; n++) await deliveries.park(parked(`j${job}`, 10 * job + n));

    // A redelivery from sequence 42 on: j4's third message and every message of j5…j9.
    const released = (delivery: ParkedDelivery) => delivery.sequence >= 43;
    await deliveries.release(subscriptionId, released);

    const left = await deliveries.list(subscriptionId);
    expect(left.map((delivery) => delivery.sequence)).toEqual(
      [0, 1, 2, 3, 4].flatMap((job) => [1, 2, 3].map((n) => 10 * job + n)).filter((s) => s < 43),
    );
    for (let job = 0; job < 10; job++)
      expect(await deliveries.firstOfJob(subscriptionId, `j${job}`)).toBe(job < 5 ? 10 * job + 1 : undefined);

    const lastWrite = async () => (await kv.status()).streamInfo.state.last_seq;
    const before = await lastWrite();
    await deliveries.release(subscriptionId, released);
    expect(await lastWrite()).toBe(before);
  });
});
