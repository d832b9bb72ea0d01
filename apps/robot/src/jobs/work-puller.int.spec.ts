import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from '@aether/event-store';
import { startNatsServer, type TestNatsServer } from '@aether/testing';
import { WorkPuller, type WorkDelivery } from './work-puller';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The next message, which must come. */
async function take(puller: WorkPuller, acking?: WorkDelivery): Promise<WorkDelivery> {
  const delivery = await puller.next(1_000, acking);
  if (!delivery) throw new Error('no message within the pull');
  return delivery;
}

describe('WorkPuller (real nats-server)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let queue = 0;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connectNats({ servers: server.url, name: 'work-puller-test' });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  /** A work-queue stream with one durable pull consumer, as the robot's work subject has. */
  async function workQueue() {
    const stream = `Q${++queue}`;
    await jsm.streams.add({
      name: stream,
      subjects: [`q${queue}.>`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.Memory,
    });
    await jsm.consumers.add(stream, {
      durable_name: 'robot',
      ack_policy: AckPolicy.Explicit,
      ack_wait: 30e9,
    });
    const subject = `q${queue}.work`;
    const publish = (text: string) => js.publish(subject, text);
    const left = async () => (await jsm.streams.info(stream)).state.messages;
    return { stream, subject, publish, left };
  }

  it('takes one message per pull and settles it: an acked message leaves the queue', async () => {
    const { stream, subject, publish, left } = await workQueue();
    const { seq } = await publish('first');
    await publish('second');
    const puller = new WorkPuller(nc, stream, 'robot');

    const first = await take(puller);
    expect(first).toMatchObject({ subject, seq, info: { stream, deliveryCount: 1 } });
    expect(text(first.data)).toBe('first');
    first.working();
    first.ack();
    const second = await take(puller);
    expect(text(second.data)).toBe('second');
    second.nak();
    const again = await take(puller);
    expect(again).toMatchObject({ seq: second.seq, info: { deliveryCount: 2 } });
    again.term();
    await sleep(100);
    expect(await left()).toBe(0);
    puller.close();
  });

  it('acks a delivery and pulls the next in one message: the server takes the ack first', async () => {
    const { stream, publish, left } = await workQueue();
    await publish('first');
    await publish('second');
    const puller = new WorkPuller(nc, stream, 'robot');
    const first = await take(puller);

    const sentBefore = nc.stats().outMsgs;
    const second = await take(puller, first);
    expect(nc.stats().outMsgs - sentBefore).toBe(1);
    expect(text(second.data)).toBe('second');
    const consumer = await jsm.consumers.info(stream, 'robot');
    expect(consumer.num_ack_pending).toBe(1); // the first is acked, not held as a second lease
    expect(consumer.ack_floor.stream_seq).toBe(first.seq);
    expect(await left()).toBe(1);

    const none = await puller.next(200, second);
    expect(none).toBeNull();
    expect(await left()).toBe(0);
    puller.close();
  });

  it("acks another puller's delivery apart and pulls from its own consumer", async () => {
    const a = await workQueue();
    const b = await workQueue();
    await a.publish('a1');
    await a.publish('a2');
    await b.publish('b1');
    const fromA = new WorkPuller(nc, a.stream, 'robot');
    const fromB = new WorkPuller(nc, b.stream, 'robot');
    const a1 = await take(fromA);

    expect(text((await take(fromB, a1)).data)).toBe('b1');
    const consumerA = await jsm.consumers.info(a.stream, 'robot');
    expect(consumerA.num_ack_pending).toBe(0);
    expect(consumerA.ack_floor.stream_seq).toBe(a1.seq);
    expect(await a.left()).toBe(1); // a2 was not pulled
    fromA.close();
    fromB.close();
  });

  it('answers null when no message comes before the pull expires', async () => {
    const { stream } = await workQueue();
    const puller = new WorkPuller(nc, stream, 'robot');
    const started = Date.now();
    await expect(puller.next(200)).resolves.toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    puller.close();
  });

  it('sends back a message that answers a pull it gave up on, so it never holds two', async () => {
    const { stream, publish } = await workQueue();
    // Gives up 800 ms before the server's 1 s pull expires: the server still holds the pull.
    const puller = new WorkPuller(nc, stream, 'robot', undefined, -800);
    await expect(puller.next(1_000)).rejects.toThrow(/no answer/);
    await publish('late');
    await sleep(200); // the abandoned pull delivers it with no pull waiting: naked
    const redelivered = await take(puller);
    expect(redelivered).toMatchObject({ info: { deliveryCount: 2 } });
    expect(text(redelivered.data)).toBe('late');
    redelivered.ack();
    puller.close();
  });

  it('fails a pull nobody answers: the consumer does not exist', async () => {
    const { stream } = await workQueue();
    const puller = new WorkPuller(nc, stream, 'nobody', undefined, 100);
    await expect(puller.next(200)).rejects.toThrow('pulling work: no answer from nobody within 200 ms');
    puller.close();
  });
});
