import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { RunJob, WorkflowVersionPublished, subjects } from '@aether/contracts';
import { EventStore, connectNats, ensureStreams } from '@aether/event-store';
import { createNodeHandlers } from '@aether/nodes';
import pino from 'pino';
import { JobRunner, WorkflowCatalog } from '@aether/robot/in-process';
import { requestedBy } from './requested';

/** A workflow of `steps` no-op robot steps (`data.set`), each checkpointed as StepStarted + StepCompleted. */
export function noopWorkflow(steps: number) {
  return {
    id: `noop-${steps}`,
    nodes: Array.from({ length: steps }, (_, i) => ({
      id: `s${i + 1}`,
      type: 'data.set',
      params: { values: { [`v${i + 1}`]: i } },
      ...(i + 1 < steps ? { next: `s${i + 2}` } : {}),
    })),
  };
}

/**
 * Aether's durable-execution core in one process, as a robot runs it after claiming a job:
 * read the job's history, append JobStarted, then StepStarted/StepCompleted per step with
 * the expected sequence, and JobCompleted. No dispatch or projection (bench:dispatch has those).
 */
export async function openAether(natsUrl: string, filesRoot: string) {
  const nc = await connectNats({ servers: natsUrl, name: 'bench-durable' });
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm);
  const store = new EventStore(jetstream(nc), jsm);
  const handlers = createNodeHandlers({ filesRoot, desktop: false });
  for (const steps of [1, 5, 20]) {
    const workflow = noopWorkflow(steps);
    await store.append(
      subjects.event('default', 'workflow', workflow.id),
      [
        WorkflowVersionPublished.create({
          tenantId: 'default',
          aggregateId: workflow.id,
          data: { version: 1, definition: workflow },
        }),
      ],
      'any',
    );
  }
  const runner = new JobRunner({
    store,
    workflows: new WorkflowCatalog(store),
    handlers,
    openBrowser: () => ({
      page: () => Promise.reject(new Error('no browser in this bench')),
      close: async () => undefined,
    }),
    storeArtifact: () => Promise.reject(new Error('no artifacts in this bench')),
    secret: () => undefined,
    robotId: 'bench',
    logger: pino({ level: 'silent' }),
  });
  const never = new AbortController().signal;

  async function runJob(steps: number): Promise<void> {
    const jobId = globalThis.crypto.randomUUID();
    const workflowId = `noop-${steps}`;
    const requested = requestedBy('default', jobId, workflowId);
    await store.append(subjects.event('default', 'job', jobId), [requested], 0);
    const work = RunJob.create({
      tenantId: 'default',
      aggregateId: jobId,
      causedBy: requested,
      data: { workflowId, workflowVersion: 1, priority: 10, attempt: 1 },
    });
    const outcome = await runner.run({
      work,
      delivery: 1,
      stopping: never,
      abortStep: never,
      cancelled: never,
    });
    if (outcome !== 'completed') throw new Error(`job ${jobId} ended ${outcome}`);
  }

  return {
    runJob,
    async close() {
      await handlers.close();
      await nc.close();
    },
  };
}
