import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { REPO_ROOT } from '@aether/platform';
import { cpuSeconds } from './measure';
import type { DrainOrder, DrainReport } from './raw-puller';

export interface RawResult {
  msgsPerS: number;
  /** CPU of the pullers (this process) and of nats-server while they drained the stream, per message. */
  clientCpuMs: number;
  serverCpuMs: number;
}

/**
 * The ceiling as the benchmark measured it until 2026-12 (printed for one release beside the new
 * one, `startRawPullers`): raw JetStream on the same server, no Aether code. A work-queue stream holds
 * `messages`; four pullers in this process share one connection and one durable consumer, and
 * each takes one message, calls `working()`, then acks and waits for the server's confirmation.
 */
export async function measureRawJetStreamSharedConnection(
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

/**
 * The ceiling as a robot fleet would run it: `pullers` processes, each with its own connection
 * (robots are processes), draining one durable consumer with the best robot pattern (see
 * `raw-puller.ts`). Each measured run fills a fresh work-queue stream first.
 */
export async function startRawPullers(natsUrl: string, pullers: number): Promise<RawPullers> {
  const nc = await connect({ servers: natsUrl, name: 'bench-raw-feeder' });
  const jsm = await jetstreamManager(nc);
  const children = await Promise.all(
    Array.from({ length: pullers }, (_, i) => forkPuller(natsUrl, `bench-raw-puller-${i + 1}`)),
  );
  return {
    pullers,
    pids: children.map((child) => child.pid),
    async drain(messages, natsPid) {
      const order = await fill(nc, jsm, messages);
      const serverBefore = cpuSeconds(natsPid);
      const started = performance.now();
      const reports = await Promise.all(
        children.map(
          (child) =>
            new Promise<DrainReport>((resolve) => {
              child.once('message', (report: DrainReport) => resolve(report));
              child.send(order);
            }),
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      const serverSeconds = cpuSeconds(natsPid) - serverBefore;
      await jsm.streams.delete(order.stream);
      const done = reports.reduce((sum, r) => sum + r.done, 0);
      if (done !== messages) throw new Error(`raw pullers took ${done} of ${messages} messages`);
      return {
        msgsPerS: messages / seconds,
        clientCpuMs: reports.reduce((sum, r) => sum + r.cpuMs, 0) / messages,
        serverCpuMs: (serverSeconds * 1000) / messages,
      };
    },
    async stop() {
      await Promise.all(children.map((child) => stopChild(child)));
      await nc.close();
    },
  };
}

export interface RawPullers {
  readonly pullers: number;
  readonly pids: readonly (number | undefined)[];
  /** Fills a fresh stream with `messages` and times the pullers draining it. */
  drain(messages: number, natsPid: number | undefined): Promise<RawResult>;
  stop(): Promise<void>;
}

async function fill(nc: NatsConnection, jsm: JetStreamManager, messages: number): Promise<DrainOrder> {
  const js = jetstream(nc);
  const stream = `BENCH_RAWP_${Date.now()}`;
  await jsm.streams.add({
    name: stream,
    subjects: [`bench.rawp.${stream}`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
  });
  const payload = new TextEncoder().encode(JSON.stringify({ type: 'RunJob', data: { workflowId: 'noop' } }));
  for (let i = 0; i < messages; i += 500)
    await Promise.all(
      Array.from({ length: Math.min(500, messages - i) }, () => js.publish(`bench.rawp.${stream}`, payload)),
    );
  await jsm.consumers.add(stream, { durable_name: 'pullers', ack_policy: AckPolicy.Explicit });
  return { stream, durable: 'pullers' };
}

async function forkPuller(natsUrl: string, name: string): Promise<ChildProcess> {
  const child = fork(join(__dirname, 'raw-puller.ts'), [natsUrl, name], {
    cwd: REPO_ROOT,
    execArgv: ['-r', '@swc-node/register'],
    env: { ...process.env, SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json') },
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`raw puller ${name} exited with ${code}`)));
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
