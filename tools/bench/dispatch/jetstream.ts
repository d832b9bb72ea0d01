import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { cpuSeconds } from './measure';

export interface RawResult {
  msgsPerS: number;
  /** CPU of the pullers (this process) and of nats-server while they drained the stream, per message. */
  clientCpuMs: number;
  serverCpuMs: number;
}

/**
 * The ceiling: raw JetStream on the same server, no Aether code. A work-queue stream holds
 * `messages`; four pullers share one durable consumer and each takes one message, calls
 * `working()`, then acks and waits for the server's confirmation — a robot's pattern, minus
 * everything a robot does with the job.
 */
export async function measureRawJetStream(
  natsUrl: string,
  messages: number,
  natsPid: number | undefined,
  pullers = 4,
): Promise<RawResult> {
  const nc = await connect({ servers: natsUrl, name: 'bench-raw' });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const stream = `BENCH_RAW_${Date.now()}`;
    await jsm.streams.add({
      name: stream,
      subjects: [`bench.raw.${stream}`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
    });
    const payload = new TextEncoder().encode(
      JSON.stringify({ type: 'RunJob', data: { workflowId: 'noop' } }),
    );
    for (let i = 0; i < messages; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, messages - i) }, () => js.publish(`bench.raw.${stream}`, payload)),
      );
    }
    await jsm.consumers.add(stream, { durable_name: 'pullers', ack_policy: AckPolicy.Explicit });
    let done = 0;
    const started = performance.now();
    const clientBefore = process.cpuUsage();
    const serverBefore = cpuSeconds(natsPid);
    await Promise.all(
      Array.from({ length: pullers }, async () => {
        const consumer = await js.consumers.get(stream, 'pullers');
        while (done < messages) {
          const message = await consumer.next({ expires: 1_000 });
          if (!message) continue;
          message.working();
          await message.ackAck();
          done++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const client = process.cpuUsage(clientBefore);
    const serverSeconds = cpuSeconds(natsPid) - serverBefore;
    await jsm.streams.delete(stream);
    return {
      msgsPerS: messages / seconds,
      clientCpuMs: (client.user + client.system) / 1000 / messages,
      serverCpuMs: (serverSeconds * 1000) / messages,
    };
  } finally {
    await nc.close();
  }
}
