import { join } from 'node:path';
import type { TestDatabase, TestNatsServer } from '@aether/testing';
import { startTestPlatform, startServiceProcess } from '@aether/platform';

const PROBE = {
  id: 'resume-probe',
  nodes: [
    { id: 'wait', type: 'delay', params: { ms: 1500 }, next: 'done' },
    { id: 'done', type: 'data.set', params: { values: { done: true } } },
  ],
};

/**
 * Resume after SIGKILL with an idle standby robot: the robot holding a job is killed in the
 * middle of a step; the time until another robot appends JobStarted for it is the resume time.
 * Robots keep their default lease (LEASE_MS, 30 s) and heartbeat unless `leaseMs` / `heartbeatMs`
 * say otherwise: the registry's probe meets "no responders" once the killed process's connection
 * is gone, declares it offline and the dispatcher re-places the job (ADR 14), so resume waits
 * neither for the lease nor for missed heartbeats. The killed robot is restarted under its name
 * in the background, as a supervisor would; the idle standby takes the job.
 */
export async function measureResume(
  nats: TestNatsServer,
  db: TestDatabase,
  kills: number,
  options: { leaseMs?: number; heartbeatMs?: number } = {},
): Promise<number[]> {
  const { leaseMs, heartbeatMs } = options;
  const robotEnv = {
    ...(leaseMs ? { LEASE_MS: String(leaseMs) } : {}),
    ...(heartbeatMs ? { HEARTBEAT_MS: String(heartbeatMs) } : {}),
  };
  const platform = await startTestPlatform({
    name: 'bench-resume',
    nats,
    db,
    robots: 2,
    demoSite: false,
    env: { LOG_LEVEL: 'warn' },
    robotEnv,
    ...(process.env['BENCH_BUILD'] ? { build: process.env['BENCH_BUILD'] } : {}),
  });
  const { stack } = platform;
  const api = async (path: string, method = 'GET', body?: unknown) =>
    (await platform.api(method, path, body)).body;
  const events = (jobId: string) => platform.events(jobId);
  const until = async <T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('timed out');
  };
  try {
    await api('/api/v1/workflows', 'POST', PROBE);
    const resumes: number[] = [];
    for (let kill = 0; kill < kills; kill++) {
      const { jobId } = (await api('/api/v1/workflows/resume-probe/trigger', 'POST', {})) as {
        jobId: string;
      };
      const started = await until(
        async () => (await events(jobId)).find((e) => e.type === 'StepStarted'),
        30_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const holder = stack.robots.find((r) => r.name === started.data['robotId']);
      if (!holder) throw new Error(`robot ${String(started.data['robotId'])} not found`);
      const killedAt = Date.now();
      holder.child.kill('SIGKILL');
      const replacement = startServiceProcess('robot', {
        natsUrl: nats.url,
        databaseUrl: db.url,
        logDir: platform.logDir,
        name: holder.name,
        env: {
          LOG_LEVEL: 'warn',
          ROBOT_ID: holder.name,
          FILES_ROOT: join(platform.logDir, 'files'),
          ...robotEnv,
        },
      });
      const resumed = await until(
        async () =>
          (await events(jobId)).find((e) => e.type === 'JobStarted' && Date.parse(e.occurredAt) >= killedAt),
        (leaseMs ?? 30_000) + 30_000,
      );
      resumes.push(Date.parse(resumed.occurredAt) - killedAt);
      await until(
        async () => ((await events(jobId)).some((e) => e.type === 'JobCompleted') ? true : undefined),
        60_000,
      );
      stack.robots[stack.robots.indexOf(holder)] = await replacement;
      process.stderr.write(`resume ${kill + 1}/${kills}: ${resumes.at(-1)} ms\n`);
    }
    return resumes;
  } finally {
    await platform.stop();
  }
}
