// How long nats.js `consume()` on a durable pull consumer takes to deliver again after the consumer
// is deleted and made again under it (ADR 132 §3), against a real nats-server, per pull `expires`.
// npm run bench:consume-stall -- [--runs N]   (progress on stderr, one JSON line on stdout)
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
} from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startNatsServer } from '@aether/testing';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 3);
const cases: { key: string; label: string; options: Record<string, unknown> }[] = [
  { key: 'default', label: 'default (expires 30 s, heartbeat 15 s)', options: {} },
  { key: 'expires_5s', label: 'expires 5 s (heartbeat 2.5 s)', options: { expires: 5_000 } },
  {
    key: 'abort_on_missing',
    label: 'abort_on_missing_resource, consumed again 1 s later',
    options: { abort_on_missing_resource: true },
  },
];

async function main(): Promise<void> {
  const server = await startNatsServer();
  const nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  await jsm.streams.add({ name: 'STALL', subjects: ['stall.>'] });
  const durable = { durable_name: 'stall', ack_policy: AckPolicy.Explicit, max_deliver: -1 };
  const line: Record<string, unknown> = { bench: 'consume-stall', runs };
  try {
    for (const { key, label, options } of cases) {
      const waits: number[] = [];
      for (let run = 0; run < runs; run++) {
        await jsm.consumers.delete('STALL', 'stall').catch(() => undefined);
        await jsm.consumers.add('STALL', { ...durable, deliver_policy: DeliverPolicy.New });
        const notes: string[] = [];
        let received: (seq: number) => void = () => undefined;
        let messages: ConsumerMessages | undefined;
        let stopped = false;
        // The outbound worker's loop: consume until the iterator ends or fails, then again 1 s later.
        const loop = (async () => {
          while (!stopped) {
            try {
              const consumer = await js.consumers.get('STALL', 'stall');
              messages = await consumer.consume({ max_messages: 1, ...options });
              void (async () => {
                for await (const status of messages.status()) notes.push(status.type);
              })();
              for await (const message of messages) {
                message.ack();
                received(message.seq);
              }
              notes.push('ended');
            } catch (error) {
              notes.push(`failed: ${(error as Error).message}`);
            }
            if (!stopped) await new Promise((resolve) => setTimeout(resolve, 1_000));
          }
        })();
        const take = () => new Promise<number>((resolve) => (received = resolve));
        // The consumer works, and its pull waits at the server.
        let next = take();
        await js.publish('stall.a', 'before');
        await next;
        await new Promise((resolve) => setTimeout(resolve, 200));
        // Deleted and made again while the pull waits: the next message is published at once.
        await jsm.consumers.delete('STALL', 'stall');
        await jsm.consumers.add('STALL', { ...durable, deliver_policy: DeliverPolicy.New });
        next = take();
        const start = Date.now();
        await js.publish('stall.a', 'after');
        await Promise.race([next, new Promise((resolve) => setTimeout(resolve, 70_000).unref())]);
        waits.push(Date.now() - start);
        stopped = true;
        messages?.stop();
        await loop;
        process.stderr.write(`${label} run ${run + 1}: ${Date.now() - start} ms [${notes.join(', ')}]\n`);
      }
      process.stderr.write(`${label}: ${waits.join(', ')} ms\n`);
      line[`${key}_ms`] = waits;
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    await nc.close();
    await server.stop();
  }
}

void main();
