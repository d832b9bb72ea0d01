import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { STREAMS, parseEventSubject, subjects, type QueueItemEvent } from '@aether/contracts';
import { EventStore, connectNats, type EventSubscription } from '@aether/event-store';
import {
  evolveQueueItem,
  initialQueueItemState,
  queueItemId,
  type QueueItemState,
} from '@aether/queue-domain';
import { queueItemEvents } from '@aether/queues';
import { startServiceProcess, startTestPlatform, type TestPlatform } from '@aether/platform';
import { Rng } from '@aether/testing';

const WORKFLOW = readFileSync(join(__dirname, 'queue-worker.workflow.json'), 'utf8');
const QUEUE = 'orders';
const TERMINAL: ReadonlySet<string> = new Set(['successful', 'failed', 'abandoned']);

export interface QueueChaosOptions {
  /** Items added, each with its own reference. */
  items: number;
  /** Robot processes; the queue trigger runs two jobs per robot. */
  robots: number;
  /** SIGKILLs of a random robot (replaced at once) while items are worked. */
  kills: number;
  /** Retries of an application exception. Default 2. */
  maxRetries?: number;
  /** Job lease of the robots, ms. Default 2000. */
  leaseMs?: number;
  /** Gives up waiting for every item to end after this long. Default 5 min. */
  timeoutMs?: number;
  seed?: number;
  log?: (line: string) => void;
}

/** How each kind of item ended, and what must never happen. */
export interface QueueChaosReport {
  items: number;
  robots: number;
  kills: number;
  elapsedMs: number;
  /** Items still not final when the run gave up. */
  unfinished: number;
  /** Plain items: each should be successful, completed exactly once, in one attempt or more after a kill. */
  plain: { count: number; successful: number; completedOnce: number };
  /** A business exception on the first attempt: failed, never retried. */
  business: { count: number; failed: number; maxAttempts: number };
  /** An application exception on the first attempt only: retried, then successful. */
  flakyOnce: { count: number; successful: number; minAttempts: number };
  /** An application exception on every attempt: failed after 1 + maxRetries attempts. */
  flaky: { count: number; failed: number; attempts: number[] };
  /** Items with more than one `QueueItemCompleted`. */
  completedTwice: number;
  /** Items abandoned because their job ended without an outcome and no attempt was left. */
  abandoned: number;
  /** Adding a reference again answered 409 naming the existing item. */
  duplicateRefused: boolean;
  /** Jobs the queue trigger started. */
  jobs: number;
}

type Kind = 'plain' | 'business' | 'flakyOnce' | 'flaky';

/** Every 25th item fails with a business exception, every 25th + 1 once with an application one, … */
function kindOf(n: number): Kind {
  switch (n % 25) {
    case 7:
      return 'business';
    case 13:
      return 'flakyOnce';
    case 19:
      return 'flaky';
    default:
      return 'plain';
  }
}

const PAYLOAD: Record<Kind, { failAttempts: number; exception?: string }> = {
  plain: { failAttempts: 0 },
  business: { failAttempts: 99, exception: 'business' },
  flakyOnce: { failAttempts: 1, exception: 'application' },
  flaky: { failAttempts: 99, exception: 'application' },
};

/** Item states folded live from the event stream, with each item's count of completions. */
class ItemWatch {
  readonly states = new Map<string, QueueItemState>();
  readonly completions = new Map<string, number>();
  private feeding?: Promise<void>;

  constructor(private readonly feed: EventSubscription) {}

  static async start(store: EventStore): Promise<ItemWatch> {
    const watch = new ItemWatch(await store.subscribe(subjects.eventsOf('queue-item'), 1));
    watch.feeding = watch.run();
    return watch;
  }

  private async run(): Promise<void> {
    for await (const message of this.feed) {
      const at = parseEventSubject(message.subject);
      const parsed = queueItemEvents.parseEvents(message.data);
      if (!at || !parsed.ok) continue;
      for (const event of parsed.messages as QueueItemEvent[]) {
        const state = this.states.get(at.aggregateId) ?? initialQueueItemState;
        this.states.set(at.aggregateId, evolveQueueItem(state, event));
        if (event.type === 'QueueItemCompleted')
          this.completions.set(at.aggregateId, (this.completions.get(at.aggregateId) ?? 0) + 1);
      }
    }
  }

  finished(): number {
    return [...this.states.values()].filter((state) => TERMINAL.has(state.status)).length;
  }

  async stop(): Promise<void> {
    this.feed.stop();
    await this.feeding?.catch(() => undefined);
  }
}

/**
 * Work queue under robot kills: `items` items with unique references through a queue trigger on
 * `robots` robots running `queue-worker` (queue.next → queue.complete / queue.fail), robots
 * SIGKILLed at random and replaced. Every item must end exactly as its kind says, once.
 */
export async function runQueueChaos(options: QueueChaosOptions): Promise<QueueChaosReport> {
  const log = options.log ?? (() => undefined);
  const leaseMs = options.leaseMs ?? 2_000;
  const maxRetries = options.maxRetries ?? 2;
  const random = new Rng(options.seed ?? 26);
  const robotEnv = { LEASE_MS: String(leaseMs), MAX_DELIVER: '50', MAX_CONCURRENT_JOBS: '2' };
  const platform = await startTestPlatform({
    name: 'queue-chaos',
    databasePrefix: 'aether_queues',
    robots: options.robots,
    demoSite: false,
    env: { QUEUE_SWEEP_MS: '250' },
    robotEnv,
  });
  let nc: NatsConnection | undefined;
  let watch: ItemWatch | undefined;
  try {
    nc = await connectNats({
      servers: platform.nats.url,
      name: 'queue-chaos',
      ...(platform.natsCreds ? { creds: platform.natsCreds } : {}),
    });
    const store = new EventStore(jetstream(nc), await jetstreamManager(nc));
    watch = await ItemWatch.start(store);
    await ok(platform, 'POST', '/api/v1/workflows', WORKFLOW);
    await ok(platform, 'PUT', `/api/v1/queues/${QUEUE}`, {
      maxRetries,
      trigger: { workflowId: 'queue-worker', itemsPerJob: 25, maxConcurrentJobs: options.robots * 2 },
    });
    const started = Date.now();
    const kinds = new Map<string, Kind>();
    await inBatches(options.items, 16, async (n) => {
      const reference = `ORD-${String(n).padStart(5, '0')}`;
      kinds.set(queueItemId(QUEUE, reference), kindOf(n));
      await ok(platform, 'POST', `/api/v1/queues/${QUEUE}/items`, {
        reference,
        payload: { n, ...PAYLOAD[kindOf(n)] },
      });
    });
    const duplicate = await platform.api<{ message?: string }>('POST', `/api/v1/queues/${QUEUE}/items`, {
      reference: 'ORD-00000',
    });
    const duplicateRefused =
      duplicate.status === 409 && (duplicate.body.message ?? '').includes(queueItemId(QUEUE, 'ORD-00000'));
    log(`added ${options.items} items in ${Date.now() - started} ms; duplicate answered ${duplicate.status}`);

    // Kills land while items are worked: spread over the first part of the expected run.
    let kills = 0;
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    const watching = watch;
    const killAt = () => random.int(Math.floor(options.items * 0.8));
    const killMarks = Array.from({ length: options.kills }, killAt).sort((a, b) => a - b);
    while (watching.finished() < options.items && Date.now() < deadline) {
      if (kills < killMarks.length && watching.finished() >= (killMarks[kills] ?? 0)) {
        const index = random.int(platform.stack.robots.length);
        const victim = platform.stack.robots[index];
        if (victim) {
          victim.child.kill('SIGKILL');
          kills++;
          log(`kill ${kills}: ${victim.name} at ${watching.finished()} items finished`);
          platform.stack.robots[index] = await startServiceProcess('robot', {
            natsUrl: platform.nats.url,
            databaseUrl: platform.db.url,
            logDir: platform.logDir,
            name: victim.name,
            env: {
              LOG_LEVEL: 'info',
              ROBOT_ID: victim.name,
              FILES_ROOT: join(platform.logDir, 'files'),
              ...robotEnv,
              // With NATS accounts, the robot's kept credentials (enrolled at its first start).
              ...(platform.natsCreds
                ? { NATS_CREDS_FILE: join(platform.logDir, 'nats', 'robots', `${victim.name}.creds`) }
                : {}),
            },
          });
        }
      }
      await sleep(50);
    }
    const elapsedMs = Date.now() - started;
    const info = await (
      await jetstreamManager(nc)
    ).streams.info(STREAMS.events, { subjects_filter: subjects.eventsOf('job') });
    return report(watching, kinds, {
      items: options.items,
      robots: options.robots,
      kills,
      elapsedMs,
      duplicateRefused,
      maxRetries,
      jobs: Object.keys(info.state.subjects ?? {}).length,
    });
  } finally {
    await watch?.stop();
    await nc?.close();
    await platform.stop();
  }
}

function report(
  watch: ItemWatch,
  kinds: ReadonlyMap<string, Kind>,
  run: Pick<QueueChaosReport, 'items' | 'robots' | 'kills' | 'elapsedMs' | 'duplicateRefused' | 'jobs'> & {
    maxRetries: number;
  },
): QueueChaosReport {
  const { maxRetries: _maxRetries, ...header } = run;
  const result: QueueChaosReport = {
    ...header,
    unfinished: 0,
    plain: { count: 0, successful: 0, completedOnce: 0 },
    business: { count: 0, failed: 0, maxAttempts: 0 },
    flakyOnce: { count: 0, successful: 0, minAttempts: Number.POSITIVE_INFINITY },
    flaky: { count: 0, failed: 0, attempts: [] },
    completedTwice: 0,
    abandoned: 0,
  };
  for (const [itemId, kind] of kinds) {
    const state = watch.states.get(itemId) ?? initialQueueItemState;
    const completions = watch.completions.get(itemId) ?? 0;
    if (!TERMINAL.has(state.status)) result.unfinished++;
    if (state.status === 'abandoned') result.abandoned++;
    if (completions > 1) result.completedTwice++;
    switch (kind) {
      case 'plain':
        result.plain.count++;
        if (state.status === 'successful') result.plain.successful++;
        if (completions === 1) result.plain.completedOnce++;
        break;
      case 'business':
        result.business.count++;
        if (state.status === 'failed' && state.error?.exception === 'business') result.business.failed++;
        result.business.maxAttempts = Math.max(result.business.maxAttempts, state.attempts);
        break;
      case 'flakyOnce':
        result.flakyOnce.count++;
        if (state.status === 'successful') result.flakyOnce.successful++;
        result.flakyOnce.minAttempts = Math.min(result.flakyOnce.minAttempts, state.attempts);
        break;
      case 'flaky':
        result.flaky.count++;
        if (state.status === 'failed') result.flaky.failed++;
        if (!result.flaky.attempts.includes(state.attempts)) result.flaky.attempts.push(state.attempts);
        break;
    }
  }
  result.flaky.attempts.sort((a, b) => a - b);
  return result;
}

/** One JSON line for logs and the chaos summary. */
export function queueChaosLine(report: QueueChaosReport): string {
  return JSON.stringify({ chaos: 'queues', ...report });
}

async function ok<T = Record<string, unknown>>(
  platform: TestPlatform,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const { status, body: answer } = await platform.api<T>(method, path, body);
  if (status >= 300) throw new Error(`${method} ${path} → ${status} ${JSON.stringify(answer)}`);
  return answer;
}

async function inBatches(count: number, width: number, work: (n: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
