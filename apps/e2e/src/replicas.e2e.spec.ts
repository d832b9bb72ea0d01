import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '@aether/testing';
import {
  startServiceProcess,
  startTestPlatform,
  type ServiceProcess,
  type TestPlatform,
} from '@aether/platform';

/**
 * Two replicas of every service that acts on its own — dispatcher, scheduler, projector
 * (metrics), registry — beside the platform's first ones, under a burst of jobs: each job is
 * started once, each step run once, and the projection agrees with the log.
 */
const TWO_STEPS = {
  id: 'two-steps',
  nodes: [
    { id: 'first', type: 'delay', params: { ms: 100 }, next: 'second' },
    { id: 'second', type: 'delay', params: { ms: 100 } },
  ],
};
const SECOND_REPLICAS = ['dispatcher', 'scheduler', 'metrics', 'robot-registry'] as const;
const JOBS = 30;

describe('two replicas of every service: no double action', () => {
  let platform: TestPlatform;
  const replicas: ServiceProcess[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform({
      name: 'replicas',
      robots: 3,
      demoSite: false,
      robotEnv: { HEARTBEAT_MS: '500' },
    });
    for (const service of SECOND_REPLICAS)
      replicas.push(
        await startServiceProcess(service, {
          natsUrl: platform.nats.url,
          databaseUrl: platform.db.url,
          logDir: platform.logDir,
          name: `${service}-2`,
          env: { LOG_LEVEL: 'info' },
        }),
      );
    expect((await platform.api('POST', '/api/v1/workflows', TWO_STEPS)).status).toBe(201);
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await platform?.stop();
  });

  it('starts each job once, runs each step once, and projects each job once', async () => {
    const jobIds = await Promise.all(
      Array.from({ length: JOBS }, async () => {
        const { status, body } = await platform.api<{ jobId: string }>(
          'POST',
          '/api/v1/workflows/two-steps/trigger',
          {},
        );
        expect(status).toBe(202);
        return body.jobId;
      }),
    );
    for (const jobId of jobIds) {
      const events = await eventually(
        async () => {
          const history = await platform.events(jobId);
          return history.some((event) => event.type === 'JobCompleted') ? history : undefined;
        },
        { timeoutMs: 60_000, what: `job ${jobId} to complete` },
      );
      const count = (type: string) => events.filter((event) => event.type === type).length;
      expect({ jobId, started: count('JobStarted'), completed: count('JobCompleted') }).toEqual({
        jobId,
        started: 1,
        completed: 1,
      });
      expect(events.filter((e) => e.type === 'StepStarted').map((e) => e.data['stepKey'])).toEqual([
        'first',
        'second',
      ]);
    }
    // Both projectors wrote the same read model: every job completed there, once.
    await eventually(
      async () => {
        const views = await Promise.all(
          jobIds.map(
            async (jobId) => (await platform.api<{ status: string }>('GET', `/api/v1/jobs/${jobId}`)).body,
          ),
        );
        return views.every((view) => view.status === 'completed') ? true : undefined;
      },
      { timeoutMs: 30_000, what: 'the projection to show every job completed' },
    );
    // Both dispatchers acted: each placed work, and what the other had placed first was dropped.
    const logs = readdirSync(platform.logDir).filter((file) => file.endsWith('.log'));
    const lines = (prefix: string, marker: string) =>
      logs
        .filter((file) => file.startsWith(prefix))
        .flatMap((file) => readFileSync(join(platform.logDir, file), 'utf8').split('\n'))
        .filter((line) => line.includes(marker)).length;
    process.stderr.write(
      `replicas: ${JOBS} jobs; robots dropped ${lines('robot-', '"superseded:')} superseded work message(s)\n`,
    );
  });
});
