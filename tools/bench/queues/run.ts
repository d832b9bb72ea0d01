import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { RequestJob, newId, subjects, type Envelope } from '@aether/contracts';
import {
  deadlineHitPct,
  queueOrder,
  strictPriorityOrder,
  type ForecastJob,
} from '@aether/dispatcher/deadlines';
import { EventStore, connectNats } from '@aether/event-store';
import { startTestPlatform, type TestPlatform } from '@aether/platform';
import { noopWorkflow } from '../dispatch/aether';
import { round, sleep, withLimit } from '../dispatch/measure';
import { benchFailed } from '../failure';
import { Rng } from '@aether/testing';

/**
 * `npm run bench:queues`: on one platform with 4 robots, no-op jobs/s (each job a RequestJob
 * published to JetStream, with no robot step) against items/s through a queue trigger (`queue.next` → `queue.complete`
 * per item, jobs started by the trigger), and the deadline hit rate of the dispatcher's order
 * (band, then EDF, with aging) against strict priority order on the same backlog.
 */
const JOBS = Number(process.env['BENCH_JOBS'] ?? 400);
const ITEMS = Number(process.env['BENCH_ITEMS'] ?? 400);
const ROBOTS = 4;
const SLOTS_PER_ROBOT = 2;
const WORKER = readFileSync(join(__dirname, '../../chaos/queue-worker.workflow.json'), 'utf8');

async function main(): Promise<void> {
  const platform = await startTestPlatform({
    name: 'bench-queues',
    databasePrefix: 'aether_bench_queues',
    robots: ROBOTS,
    demoSite: false,
    env: { LOG_LEVEL: 'warn', QUEUE_SWEEP_MS: '250' },
    robotEnv: { MAX_CONCURRENT_JOBS: String(SLOTS_PER_ROBOT) },
  });
  const nc = await connectNats({ servers: platform.nats.url, name: 'bench-queues' });
  try {
    const store = new EventStore(jetstream(nc), await jetstreamManager(nc));
    const counts = { JobCompleted: 0, QueueItemCompleted: 0 };
    const feeds = await Promise.all(
      [subjects.eventsOf('job'), subjects.eventsOf('queue-item')].map((filter) => store.subscribe(filter, 1)),
    );
    for (const feed of feeds)
      void (async () => {
        for await (const message of feed) {
          const body = JSON.parse(new TextDecoder().decode(message.data)) as Envelope | Envelope[];
          for (const event of Array.isArray(body) ? body : [body])
            if (event.type === 'JobCompleted' || event.type === 'QueueItemCompleted') counts[event.type]++;
        }
      })().catch(() => undefined);

    await ok(platform, 'POST', '/api/v1/workflows', noopWorkflow('bench-noop'));
    // As bench:dispatch requests them: RequestJob commands straight to JetStream, so the gateway's
    // HTTP handling does not bound the figure the items are compared with.
    const js = jetstream(nc);
    const jobsStarted = Date.now();
    await withLimit(JOBS, 256, async () => {
      const command = RequestJob.create({
        tenantId: 'default',
        aggregateId: newId(),
        data: { workflowId: 'bench-noop', variables: {}, priority: 10, trigger: { kind: 'api' } },
      });
      await js.publish(subjects.command('default', RequestJob.type), JSON.stringify(command), {
        msgID: command.id,
      });
    });
    await until(() => counts.JobCompleted >= JOBS, 'no-op jobs');
    const jobsPerS = JOBS / ((Date.now() - jobsStarted) / 1000);
    process.stderr.write(`${JOBS} no-op jobs: ${round(jobsPerS)} jobs/s\n`);

    // Items are added before the trigger exists, so the clock runs from the trigger to the last item.
    await ok(platform, 'POST', '/api/v1/workflows', WORKER);
    await ok(platform, 'PUT', '/api/v1/queues/orders', { maxRetries: 0 });
    await withLimit(ITEMS, 16, async (n) => {
      await ok(platform, 'POST', '/api/v1/queues/orders/items', {
        reference: `B-${n}`,
        payload: { failAttempts: 0 },
      });
    });
    const itemsStarted = Date.now();
    const jobsNeeded = ROBOTS * SLOTS_PER_ROBOT;
    await ok(platform, 'PUT', '/api/v1/queues/orders', {
      maxRetries: 0,
      trigger: {
        workflowId: 'queue-worker',
        itemsPerJob: Math.ceil(ITEMS / jobsNeeded),
        maxConcurrentJobs: jobsNeeded,
      },
    });
    await until(() => counts.QueueItemCompleted >= ITEMS, 'queue items');
    const itemsPerS = ITEMS / ((Date.now() - itemsStarted) / 1000);
    process.stderr.write(`${ITEMS} queue items: ${round(itemsPerS)} items/s\n`);
    for (const feed of feeds) feed.stop();

    const { edf, priority } = deadlineBacklog();
    process.stdout.write(
      `${JSON.stringify({
        bench: 'queues',
        items_per_s: round(itemsPerS),
        dispatch_jobs_per_s: round(jobsPerS),
        items_vs_jobs_pct: round((100 * itemsPerS) / jobsPerS),
        edf_deadline_hit_pct: round(edf),
        priority_deadline_hit_pct: round(priority),
        jobs: JOBS,
        items: ITEMS,
        robots: ROBOTS,
      })}\n`,
    );
  } finally {
    await nc.close();
    await platform.stop();
  }
}

/**
 * A seeded backlog of 500 jobs on 8 slots, each taking its workflow's duration (1–4 s): mostly
 * one band, a fifth of them one band higher, deadlines spread from 0.16× to 1.76× what the slots can finish
 * and arriving in no particular order. The dispatcher's order (band, then EDF, with aging)
 * against strict priority order (band, then age), by the share of deadlines met.
 */
export function deadlineBacklog(): { edf: number; priority: number } {
  const rng = new Rng(55);
  const random = () => rng.next();
  const now = 1_000_000;
  const durations: Record<string, number> = { a: 1_000, b: 2_000, c: 4_000 };
  const names = Object.keys(durations);
  const slots = Array.from({ length: ROBOTS * SLOTS_PER_ROBOT }, () => now);
  const kinds = Array.from({ length: 500 }, () => names[Math.floor(random() * names.length)] as string);
  const work = kinds.reduce((sum, kind) => sum + (durations[kind] ?? 0), 0) / slots.length;
  const jobs: ForecastJob[] = kinds.map((workflowId, n) => ({
    key: `job-${n}`,
    workflowId,
    priority: random() < 0.2 ? 12 : 10,
    enqueuedAt: now - 500 + n,
    deadline: now + Math.floor((0.1 + random()) * 1.6 * work),
  }));
  const duration = ({ workflowId }: ForecastJob) => durations[workflowId] ?? 1_000;
  return {
    edf: deadlineHitPct(queueOrder(jobs, now, 60_000), slots, duration),
    priority: deadlineHitPct(strictPriorityOrder(jobs), slots, duration),
  };
}

async function ok(platform: TestPlatform, method: string, path: string, body?: unknown): Promise<void> {
  const { status, body: answer } = await platform.api(method, path, body);
  if (status >= 300) throw new Error(`${method} ${path} → ${status} ${JSON.stringify(answer)}`);
}

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 150_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} did not finish within 150 s`);
    await sleep(20);
  }
}

if (require.main === module) main().catch(benchFailed);
