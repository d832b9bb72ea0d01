import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  JOB_EVENTS,
  MessageRegistry,
  STREAMS,
  StepCompleted,
  StepStarted,
  newId,
  subjects,
  type JobEvent,
} from '@aether/contracts';
import { EventStore, ensureStreams } from '@aether/event-store';
import { startNatsServer } from '@aether/testing';
import { requestedBy } from '../durable/requested';
import { interleaved, knob, load, ratio, say } from './measure';
import { startResponder } from './responder-process';

const TENANT = 'default';
const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);

/**
 * `npm run bench:history-read`: what ADR 77's hop costs a robot. The same job history read, one
 * read at a time, through the services' read endpoint (`readThrough`: a request answered by
 * `serveEventReads` in another process, which makes the direct gets) and directly on the stream
 * as the services read it (ADR 15: direct gets, an ordered consumer past 16 events), for histories
 * of BENCH_EVENTS events (default 3,15,41: a job's request and its steps' started/completed).
 * BENCH_ROUNDS (6) interleaved rounds of BENCH_READS (200) reads each, after BENCH_WARMUP (50).
 */
async function main() {
  const sizes = (process.env['BENCH_EVENTS'] ?? '3,15,41').split(',').map(Number);
  const options = {
    rounds: knob('BENCH_ROUNDS', 6),
    reads: knob('BENCH_READS', 200),
    warmup: knob('BENCH_WARMUP', 50),
  };
  say(`load before: ${load().join(' ')}`);
  const startedAt = Date.now();
  const nats = await startNatsServer();
  const service = await connect({ servers: nats.url, name: 'bench-service' });
  const robot = await connect({ servers: nats.url, name: 'bench-robot' });
  const responder = await startResponder(nats.url).catch(async (error: unknown) => {
    await Promise.all([service.close(), robot.close()]);
    await nats.stop();
    throw error;
  });
  try {
    const serviceJsm = await jetstreamManager(service);
    await ensureStreams(serviceJsm);
    const writer = new EventStore(jetstream(service), serviceJsm);
    const robotJsm = await jetstreamManager(robot);
    const direct = new EventStore(jetstream(robot), robotJsm);
    const through = new EventStore(jetstream(robot), robotJsm, STREAMS.events, { readThrough: robot });
    const line: Record<string, unknown> = { bench: 'history-read', ...options };
    for (const size of sizes) {
      const subject = await seedJob(writer, size);
      const [a, b] = [await direct.read(subject, jobEvents), await through.read(subject, jobEvents)];
      if (a.events.length !== size || JSON.stringify(a) !== JSON.stringify(b))
        throw new Error(`the two reads of ${size} events differ`);
      const figures = await interleaved(
        [
          { name: 'services', read: () => through.read(subject, jobEvents) },
          { name: 'direct', read: () => direct.read(subject, jobEvents) },
        ],
        options,
      );
      const { services, direct: own } = figures as Record<'services' | 'direct', (typeof figures)[string]>;
      say(`${size} events: ${JSON.stringify(figures)}`);
      line[`events_${size}`] = {
        services_p50_ms: services.p50_ms,
        services_p99_ms: services.p99_ms,
        direct_p50_ms: own.p50_ms,
        direct_p99_ms: own.p99_ms,
        p50_ratio: ratio(services.p50_ms, own.p50_ms),
        p99_ratio: ratio(services.p99_ms, own.p99_ms),
      };
    }
    line['seconds'] = Math.round((Date.now() - startedAt) / 1000);
    line['load'] = load();
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    await responder.stop();
    await Promise.all([service.close(), robot.close()]);
    await nats.stop();
  }
}

/** A job's history of `size` events: its request, then each step's started and completed, one append each. */
async function seedJob(store: EventStore, size: number): Promise<string> {
  const jobId = newId();
  const subject = subjects.event(TENANT, 'job', jobId);
  const at = { tenantId: TENANT, aggregateId: jobId };
  const events: JobEvent[] = [requestedBy(TENANT, jobId, 'bench-history')];
  for (let step = 0; events.length < size; step++) {
    const stepKey = `row[${step}]`;
    events.push(
      StepStarted.create({
        ...at,
        data: { stepKey, nodeId: 'row', nodeType: 'http.request', robotId: 'bench-robot', attempt: 1 },
      }),
    );
    if (events.length < size)
      events.push(
        StepCompleted.create({
          ...at,
          data: {
            stepKey,
            nodeId: 'row',
            output: { status: 200, body: { id: step, ok: true } },
            durationMs: 12,
          },
        }),
      );
  }
  let expected = 0;
  for (const event of events) expected = (await store.append(subject, [event], expected)).lastSequence;
  return subject;
}

main().catch((error: unknown) => {
  say(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
