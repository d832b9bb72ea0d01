import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { STREAMS } from '@aether/contracts';
import { ChaosPlatform } from './harness';

/**
 * ADR 113's measurement: four jobs (300 ms steps) on the chaos platform's two robots, nats-server
 * SIGKILLed mid-run and started again on its store after 1 s, `ROUNDS` times. Per round: ms from
 * the server listening again to each job's next `StepCompleted`, and the jobs' `JobDispatched` and
 * `JobStarted` events (a job placed again after its robot was declared offline); at the end, the
 * robots' presence events. `LEASE_MS` is the robots' lease (the chaos suite's is 1 s).
 *
 * node -r @swc-node/register tools/chaos/run-nats-restart.ts
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const rounds = Number(process.env['ROUNDS'] ?? 2);
  const platform = await ChaosPlatform.start(Number(process.env['LEASE_MS'] ?? 1_000));
  try {
    for (let round = 0; round < rounds; round++) {
      const batch: string[] = [];
      for (let i = 0; i < 4; i++)
        batch.push(await platform.trigger(`restart${round}x${i}x${Date.now()}`, 300));
      await platform.waitForStart(batch[0]);
      await sleep(700);
      await platform.nats.kill();
      const killedAt = Date.now();
      await sleep(1_000);
      await platform.nats.restart();
      const backAt = Date.now();
      const ends = await Promise.all(batch.map((jobId) => platform.waitForEnd(jobId, 90_000)));
      const count = (type: string) =>
        ends.reduce((sum, events) => sum + (events ?? []).filter((e) => e.type === type).length, 0);
      const nextStepMs = ends.map((events) => {
        const next = events?.find((e) => e.type === 'StepCompleted' && Date.parse(e.occurredAt) > backAt);
        return next ? Date.parse(next.occurredAt) - backAt : null;
      });
      process.stdout.write(
        `${JSON.stringify({
          round,
          downMs: backAt - killedAt,
          nextStepMs,
          jobDispatched: count('JobDispatched'),
          jobStarted: count('JobStarted'),
          completed: count('JobCompleted'),
        })}\n`,
      );
    }
    const nc = await connect({ servers: platform.nats.url });
    const consumer = await jetstream(nc).consumers.get(STREAMS.events, {
      filter_subjects: 'aether.evt.*.robot.>',
      deliver_policy: DeliverPolicy.All,
    });
    const pending = (await consumer.info()).num_pending;
    const presence: Record<string, number> = {};
    const messages = pending > 0 ? await consumer.fetch({ max_messages: pending, expires: 2_000 }) : [];
    for await (const message of messages) {
      const body = message.json<{ type: string } | { type: string }[]>();
      for (const { type } of Array.isArray(body) ? body : [body]) presence[type] = (presence[type] ?? 0) + 1;
      if (message.info.pending === 0) break;
    }
    process.stdout.write(`${JSON.stringify({ robotEvents: presence })}\n`);
    await nc.close();
  } finally {
    await platform.stop();
  }
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
