import pino from 'pino';
import { MessageRegistry, RunJob, WORK_MESSAGES, type WorkMessage } from '@aether/contracts';
import type { EventStore } from '@aether/event-store';
import { createNodeHandlers } from '@aether/nodes';
import { parseWorkflow } from '@aether/workflow';
import { JobRunner, type WorkflowCatalog } from '@aether/robot/in-process';
import { noopWorkflow } from '../dispatch/aether';

const encoder = new TextEncoder();
const workMessages = new MessageRegistry<WorkMessage>(WORK_MESSAGES);

/**
 * The robot's own code per no-op job, without NATS: the work message decoded and validated,
 * then `JobRunner.run` against a store whose appends land at once. What a robot process spends
 * beyond this is the NATS client, the sockets and the runtime. Microseconds per job.
 */
export async function runnerMicrosPerJob(jobs: number, warmup: number): Promise<number> {
  const parsed = parseWorkflow(noopWorkflow('bench-noop'));
  if (!parsed.ok) throw new Error('the no-op workflow does not parse');
  let sequence = 2;
  const store = {
    append: async () => ({ lastSequence: ++sequence, duplicate: false }),
  } as unknown as EventStore;
  const runner = new JobRunner({
    store,
    workflows: { get: async () => parsed.workflow } as unknown as WorkflowCatalog,
    handlers: createNodeHandlers({ filesRoot: '/nonexistent' }),
    openBrowser: () => ({
      page: () => Promise.reject(new Error('a no-op job opens no browser')),
      close: async () => undefined,
    }),
    storeArtifact: () => Promise.reject(new Error('a no-op job stores no artifact')),
    secret: () => undefined,
    robotId: 'bench-robot',
    logger: pino({ level: 'warn' }),
  });
  const never = new AbortController().signal;
  const runOne = async (i: number): Promise<bigint> => {
    const work = RunJob.create({
      tenantId: 'default',
      aggregateId: `job-${i}`,
      data: {
        workflowId: 'bench-noop',
        workflowVersion: 1,
        priority: 10,
        attempt: 1,
        fresh: { sequence: 1, variables: {} },
      },
    });
    const bytes = encoder.encode(JSON.stringify(work));
    const started = process.hrtime.bigint();
    const decoded = workMessages.parseBytes(bytes);
    if (!decoded.ok) throw new Error(decoded.reason);
    const outcome = await runner.run({
      work: decoded.message,
      delivery: 1,
      stopping: never,
      abortStep: never,
      cancelled: new AbortController().signal,
      release: () => undefined,
    });
    if (outcome !== 'completed') throw new Error(`a no-op job ended ${outcome}`);
    return process.hrtime.bigint() - started;
  };
  for (let i = 0; i < warmup; i++) await runOne(i);
  let total = 0n;
  for (let i = 0; i < jobs; i++) total += await runOne(warmup + i);
  return Number(total) / jobs / 1000;
}
