import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { STREAMS, subjects } from '@aether/contracts';
import { connectNats } from '@aether/event-store';
import { eventually } from '@aether/testing';
import {
  startServiceProcess,
  startTestPlatform,
  type ServiceProcess,
  type TestPlatform,
} from '@aether/platform';

/**
 * One platform with two replicas of every service (ADR 63: one platform start, not one per
 * suite). The second gateway is also what the idempotent triggers are sent through.
 */
const SECOND_REPLICAS = ['dispatcher', 'scheduler', 'metrics', 'robot-registry', 'gateway'] as const;
let platform: TestPlatform;
const replicas: ServiceProcess[] = [];

beforeAll(async () => {
  platform = await startTestPlatform({
    name: 'replicas',
    robots: 3,
    demoSite: false,
    robotEnv: { HEARTBEAT_MS: '500' },
  });
  const started = await Promise.allSettled(
    SECOND_REPLICAS.map((service) =>
      startServiceProcess(service, {
        natsUrl: platform.nats.url,
        databaseUrl: platform.db.url,
        logDir: platform.logDir,
        name: `${service}-2`,
        env: {
          LOG_LEVEL: 'info',
          ...(service === 'gateway' ? { AUTH_SIGNING_KEY_FILE: platform.stack.auth.signingKeyFile } : {}),
        },
      }),
    ),
  );
  for (const result of started) if (result.status === 'fulfilled') replicas.push(result.value);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
});

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
  await platform?.stop();
});

/**
 * Two replicas of every service that acts on its own — dispatcher, scheduler, projector
 * (metrics), registry — and of the gateway beside the platform's first ones, under a burst of
 * jobs: each job is started once, each step run once, and the projection agrees with the log.
 */
const TWO_STEPS = {
  id: 'two-steps',
  nodes: [
    { id: 'first', type: 'delay', params: { ms: 100 }, next: 'second' },
    { id: 'second', type: 'delay', params: { ms: 100 } },
  ],
};
const JOBS = 30;

describe('two replicas of every service: no double action', () => {
  beforeAll(async () => {
    expect((await platform.api('POST', '/api/v1/workflows', TWO_STEPS)).status).toBe(201);
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

/**
 * `Idempotency-Key` on `POST /workflows/{id}/trigger` across two gateway processes: the key is
 * claimed on the event stream (ADR 54), so no replica needs to have seen the other's request.
 */
describe('idempotent triggers across two gateway replicas', () => {
  let second: ServiceProcess;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    second = replicas.find((replica) => replica.name === 'gateway-2') as ServiceProcess;
    nc = await connectNats({ servers: platform.nats.url, name: 'idempotency-spec' });
    jsm = await jetstreamManager(nc);
    const published = await platform.api('POST', '/api/v1/workflows', {
      id: 'keyed',
      inputs: { order: { type: 'integer' }, n: { type: 'integer' }, x: { type: 'integer' } },
      nodes: [{ id: 'mark', type: 'data.set', params: { values: { done: true } } }],
    });
    expect(published.status).toBe(201);
  });

  afterAll(async () => {
    await nc?.close();
  });

  const trigger = (gateway: string, key: string | undefined, body: object) =>
    fetch(`${gateway}/api/v1/workflows/keyed/trigger`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${platform.stack.adminToken}`,
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify(body),
    });

  /** Job subjects on EVENTS once every RequestJob sent so far has been handled by the scheduler. */
  async function jobSubjects(): Promise<string[]> {
    return eventually(
      async () => {
        const consumer = await jsm.consumers.info(STREAMS.commands, 'scheduler-request-job');
        if (consumer.num_pending + consumer.num_ack_pending > 0) return undefined;
        const info = await jsm.streams.info(STREAMS.events, { subjects_filter: subjects.eventsOf('job') });
        return Object.keys(info.state.subjects ?? {});
      },
      { what: 'the scheduler to take every RequestJob' },
    );
  }

  it('starts one job for 50 concurrent triggers with one key, half through each gateway', async () => {
    const before = await jobSubjects();
    const gateways = [platform.stack.gatewayUrl, second.url];
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        trigger(gateways[i % 2], 'order-4711', { variables: { order: 4711 } }),
      ),
    );
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ jobId: string }>));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(202));
    const jobIds = new Set(bodies.map((b) => b.jobId));
    expect(jobIds.size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(49);

    const [jobId] = jobIds;
    const after = await jobSubjects();
    expect(after.filter((s) => !before.includes(s))).toEqual([subjects.event('default', 'job', jobId)]);
    const job = await eventually(
      async () => {
        const { body } = await platform.api<{ status: string }>('GET', `/api/v1/jobs/${jobId}`);
        return body?.status === 'completed' ? body : undefined;
      },
      { timeoutMs: 60_000, what: 'the keyed job to complete' },
    );
    expect(job.status).toBe('completed');
  });

  it('answers a retry after completion with the same job, through either gateway', async () => {
    const first = await trigger(platform.stack.gatewayUrl, 'retry-later', { variables: { n: 1 } });
    const { jobId } = (await first.json()) as { jobId: string };
    await eventually(
      async () => {
        const { body } = await platform.api<{ status: string }>('GET', `/api/v1/jobs/${jobId}`);
        return body?.status === 'completed' ? true : undefined;
      },
      { timeoutMs: 60_000, what: 'the first job to complete' },
    );
    const again = await trigger(second.url, 'retry-later', { variables: { n: 1 } });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual({ jobId, status: 'pending' });
  });

  it('refuses the same key with a different body (409, naming the first job)', async () => {
    const first = await trigger(second.url, 'order-42', { variables: { order: 42 } });
    const { jobId } = (await first.json()) as { jobId: string };
    const other = await trigger(platform.stack.gatewayUrl, 'order-42', { variables: { order: 43 } });
    expect(other.status).toBe(409);
    expect(JSON.stringify(await other.json())).toContain(jobId);
  });

  it('starts a job per trigger without a key, and refuses a key that is not printable ASCII', async () => {
    const before = await jobSubjects();
    await Promise.all(
      [1, 2].map(() => trigger(platform.stack.gatewayUrl, undefined, { variables: { x: 1 } })),
    );
    expect((await jobSubjects()).length - before.length).toBe(2);
    const bad = await trigger(platform.stack.gatewayUrl, 'schlüssel', {});
    expect(bad.status).toBe(400);
  });
});
