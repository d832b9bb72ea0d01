import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { RunJob, STREAMS, WorkflowVersionPublished, newId, subjects } from '@aether/contracts';
import { EventStore, ensureStreams } from '@aether/event-store';
import { eventually, startNatsServer } from '@aether/testing';
import { startServiceProcess, type ServiceProcess } from '@aether/platform';
import { noopWorkflow } from '../dispatch/aether';
import { requestedBy } from '../durable/requested';
import { cpuSeconds, round, withLimit } from '../dispatch/measure';
import { runnerMicrosPerJob } from './runner-cost';

const TENANT = 'default';
const ROBOT = 'bench-robot';
const WORKFLOW = 'bench-noop';
const encoder = new TextEncoder();

/**
 * `npm run bench:robot`: one robot process alone on its own nats-server, fed no-op jobs as the
 * dispatcher feeds them (JobRequested, then a first placement's RunJob with its fresh history), to read
 * the robot's own CPU per job without the rest of the platform competing for the cores. Then,
 * with the robot stopped, the same jobs through the robot's own code alone, in this process
 * (`runner_us_per_job`, see `runnerMicrosPerJob`): what is left of the robot's CPU is transport.
 * BENCH_JOBS (default 3000) after BENCH_WARMUP (default 1000).
 */
async function main() {
  const jobs = Number(process.env['BENCH_JOBS'] ?? 3000);
  const warmup = Number(process.env['BENCH_WARMUP'] ?? 1000);
  const logDir = mkdtempSync(join(tmpdir(), 'aether-bench-robot-'));
  const nats = await startNatsServer();
  const nc = await connect({ servers: nats.url, name: 'bench-feeder' });
  let robot: ServiceProcess | undefined;
  try {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm);
    const store = new EventStore(js, jsm);
    await publishNoopWorkflow(store);
    robot = await startServiceProcess('robot', {
      natsUrl: nats.url,
      databaseUrl: '',
      logDir,
      name: ROBOT,
      env: { ROBOT_ID: ROBOT, LOG_LEVEL: 'warn', FILES_ROOT: join(logDir, 'files') },
    });
    const runJobs = async (count: number) => {
      await withLimit(count, 64, () => dispatchJob(store, js));
      // Done when the robot's work queue is empty: every RunJob acked.
      await eventually(
        async () => ((await jsm.streams.info(STREAMS.work)).state.messages === 0 ? true : undefined),
        { timeoutMs: 600_000, intervalMs: 20 },
      );
    };

    await runJobs(warmup);
    const cpuBefore = cpuSeconds(robot.child.pid);
    const startedAt = performance.now();
    await runJobs(jobs);
    const seconds = (performance.now() - startedAt) / 1000;
    const cpuMs = (cpuSeconds(robot.child.pid) - cpuBefore) * 1000;
    await robot.stop();
    const runnerMicros = await runnerMicrosPerJob(jobs, warmup);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'robot',
        jobs,
        robot_cpu_ms_per_job: round(cpuMs / jobs, 3),
        jobs_per_s: round(jobs / seconds),
        runner_us_per_job: round(runnerMicros),
        runner_share_of_robot_cpu: round(runnerMicros / 1000 / (cpuMs / jobs), 2),
      })}\n`,
    );
  } finally {
    await robot?.stop();
    await nc.close();
    await nats.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

async function publishNoopWorkflow(store: EventStore): Promise<void> {
  const published = WorkflowVersionPublished.create({
    tenantId: TENANT,
    aggregateId: WORKFLOW,
    data: { version: 1, definition: noopWorkflow(WORKFLOW) as never },
  });
  await store.append(subjects.event(TENANT, 'workflow', WORKFLOW), [published], 0);
}

/** What the scheduler and the dispatcher do for one job: its request, then its first placement's work message (ADR 26). */
async function dispatchJob(store: EventStore, js: JetStreamClient): Promise<void> {
  const jobId = newId();
  const subject = subjects.event(TENANT, 'job', jobId);
  const work = subjects.robotWork(TENANT, ROBOT);
  const requested = requestedBy(TENANT, jobId, WORKFLOW);
  const afterRequest = await store.append(subject, [requested], 0);
  const run = RunJob.create({
    tenantId: TENANT,
    aggregateId: jobId,
    data: {
      workflowId: WORKFLOW,
      workflowVersion: 1,
      priority: 10,
      attempt: 1,
      fresh: { sequence: afterRequest.lastSequence, variables: {} },
    },
  });
  await js.publish(work, encoder.encode(JSON.stringify(run)), { msgID: run.id });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
