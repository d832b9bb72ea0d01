import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  JobDispatched,
  JobRequested,
  RunJob,
  STREAMS,
  WorkflowVersionPublished,
  newId,
  subjects,
} from '@aether/contracts';
import { EventStore, ensureStreams } from '@aether/event-store';
import { eventually, startNatsServer } from '@aether/testing';
import { startServiceProcess } from '../../dev/stack';
import { noopWorkflow } from '../dispatch/aether';
import { cpuSeconds, round, withLimit } from '../dispatch/measure';

const TENANT = 'default';
const ROBOT = 'bench-robot';
const encoder = new TextEncoder();

/**
 * `npm run bench:robot`: one robot process alone on its own nats-server, fed no-op jobs as the
 * dispatcher feeds them (JobRequested, JobDispatched, RunJob with its fresh history), to read
 * the robot's own CPU per job without the rest of the platform competing for the cores.
 * BENCH_JOBS (default 3000) after BENCH_WARMUP (default 1000).
 */
async function main() {
  const jobs = Number(process.env['BENCH_JOBS'] ?? 3000);
  const warmup = Number(process.env['BENCH_WARMUP'] ?? 1000);
  const logDir = mkdtempSync(join(tmpdir(), 'aether-bench-robot-'));
  const nats = await startNatsServer();
  const nc = await connect({ servers: nats.url, name: 'bench-feeder' });
  const robot = await (async () => {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm);
    const store = new EventStore(js, jsm);
    const workflowId = 'bench-noop';
    await store.append(
      subjects.event(TENANT, 'workflow', workflowId),
      [
        WorkflowVersionPublished.create({
          tenantId: TENANT,
          aggregateId: workflowId,
          data: { version: 1, definition: noopWorkflow(workflowId) as never },
        }),
      ],
      0,
    );
    const process_ = await startServiceProcess('robot', {
      natsUrl: nats.url,
      databaseUrl: '',
      logDir,
      name: ROBOT,
      env: { ROBOT_ID: ROBOT, LOG_LEVEL: 'warn', FILES_ROOT: join(logDir, 'files') },
    });
    const feed = async (count: number) => {
      await withLimit(count, 64, async () => {
        const jobId = newId();
        const subject = subjects.event(TENANT, 'job', jobId);
        const requested = await store.append(
          subject,
          [
            JobRequested.create({
              tenantId: TENANT,
              aggregateId: jobId,
              data: { workflowId, workflowVersion: 1, variables: {}, priority: 10, trigger: { kind: 'api' } },
            }),
          ],
          0,
        );
        const work = subjects.robotWork(TENANT, ROBOT);
        const dispatched = await store.append(
          subject,
          [
            JobDispatched.create({
              tenantId: TENANT,
              aggregateId: jobId,
              data: { subject: work, attempt: 1 },
            }),
          ],
          requested.lastSequence,
        );
        const run = RunJob.create({
          tenantId: TENANT,
          aggregateId: jobId,
          data: {
            workflowId,
            workflowVersion: 1,
            priority: 10,
            attempt: 1,
            fresh: { sequence: dispatched.lastSequence, variables: {} },
          },
        });
        await js.publish(work, encoder.encode(JSON.stringify(run)), { msgID: run.id });
      });
      // Done when the robot's work queue is empty: every RunJob acked.
      await eventually(
        async () => ((await jsm.streams.info(STREAMS.work)).state.messages === 0 ? true : undefined),
        { timeoutMs: 600_000, intervalMs: 20 },
      );
    };
    return { process_, feed };
  })();
  try {
    await robot.feed(warmup);
    const cpuBefore = cpuSeconds(robot.process_.child.pid);
    const startedAt = performance.now();
    await robot.feed(jobs);
    const seconds = (performance.now() - startedAt) / 1000;
    const cpuMs = (cpuSeconds(robot.process_.child.pid) - cpuBefore) * 1000;
    process.stdout.write(
      `${JSON.stringify({ bench: 'robot', jobs, robot_cpu_ms_per_job: round(cpuMs / jobs, 3), jobs_per_s: round(jobs / seconds) })}\n`,
    );
  } finally {
    await robot.process_.stop();
    await nc.close();
    await nats.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
