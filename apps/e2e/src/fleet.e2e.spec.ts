import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { RunJob, STREAMS, subjects } from '@aether/contracts';
import { connectNats } from '@aether/event-store';
import { eventually } from '@aether/testing';
import {
  startTestPlatform,
  type TestPlatform,
  startServiceProcess,
  type ServiceProcess,
} from '@aether/platform';

/**
 * The fleet, every process real: four robots with different capabilities and tags, the
 * registry, the dispatcher and two scheduler replicas. Heartbeats, retry delays and grace
 * periods are shortened through configuration; the behaviour is the production code's.
 */
const ROBOTS: Record<string, Record<string, string>> = {
  'robot-a': { ROBOT_TAGS: 'eu,sap' },
  'robot-b': { ROBOT_TAGS: 'eu', ROBOT_DESKTOP: 'true' },
  'robot-c': { ROBOT_TAGS: 'us', ROBOT_PLATFORM: 'windows' },
  'robot-d': { ROBOT_TAGS: 'us,batch', MAX_CONCURRENT_JOBS: '2' },
};

const WORKFLOWS = [
  {
    id: 'sleepy',
    inputs: { ms: { type: 'integer', default: 50 } },
    nodes: [{ id: 'wait', type: 'delay', params: { ms: '{{ inputs.ms }}' } }],
  },
  {
    id: 'four-steps',
    inputs: { ms: { type: 'integer', default: 700 } },
    nodes: [1, 2, 3, 4].map((n) => ({
      id: `step-${n}`,
      type: 'delay',
      params: { ms: '{{ inputs.ms }}' },
      ...(n < 4 ? { next: `step-${n + 1}` } : {}),
    })),
  },
  {
    id: 'always-fails',
    nodes: [
      {
        id: 'boom',
        type: 'stopWithError',
        params: { message: 'the portal is down', code: 'PORTAL_DOWN', kind: 'application' },
      },
    ],
  },
  {
    id: 'out-of-stock',
    nodes: [{ id: 'no-stock', type: 'stopWithError', params: { message: 'no stock', code: 'NO_STOCK' } }],
  },
  { id: 'noop', nodes: [{ id: 'mark', type: 'data.set', params: { values: { done: true } } }] },
];

interface Job {
  jobId: string;
  status: string;
  robotId: string | null;
  startedAt: string | null;
  error: { message: string; code?: string } | null;
}

describe('fleet: placement, affinity, failover, retries and schedules across robot processes', () => {
  let platform: TestPlatform;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const extra: ServiceProcess[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform({
      name: 'fleet',
      robots: 0,
      demoSite: false,
      env: {
        RETRY_DELAYS_MS: '300,600',
        RETRY_JITTER: '0',
        NO_CAPABLE_ROBOT_GRACE_MS: '2000',
        MISFIRE_GRACE_MS: '1000',
        RECONCILE_INTERVAL_MS: '250',
      },
      robotEnv: { HEARTBEAT_MS: '300', LEASE_MS: '5000' },
    });
    await Promise.all(Object.entries(ROBOTS).map(([name, env]) => platform.stack.addRobot(name, env)));
    for (const workflow of WORKFLOWS) await api('POST', '/api/v1/workflows', workflow);
    nc = await connectNats({
      servers: platform.nats.url,
      name: 'fleet-e2e',
      ...(platform.natsCreds ? { creds: platform.natsCreds } : {}),
    });
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await nc?.close();
    await Promise.all(extra.map((service) => service.stop()));
    await platform?.stop();
  });

  const api: TestPlatform['api'] = (...args) => platform.api(...args);

  async function trigger(workflowId: string, options: Record<string, unknown> = {}): Promise<string> {
    const { status, body } = await api<{ jobId: string }>(
      'POST',
      `/api/v1/workflows/${workflowId}/trigger`,
      options,
    );
    expect(status).toBe(202);
    return body.jobId;
  }

  async function job(jobId: string): Promise<Job | undefined> {
    const { status, body } = await api<Job>('GET', `/api/v1/jobs/${jobId}`);
    return status === 200 ? body : undefined;
  }

  function until(jobId: string, statuses: string[], timeoutMs = 20_000): Promise<Job> {
    return eventually(
      async () => {
        const found = await job(jobId);
        return found && statuses.includes(found.status) ? found : undefined;
      },
      { timeoutMs, what: `job ${jobId} to be ${statuses.join('/')}` },
    );
  }

  const events = (jobId: string) => platform.events(jobId);

  const robot = (name: string) =>
    platform.stack.robots.filter((r) => r.name === name).at(-1) as ServiceProcess;
  const presence = async (name: string) =>
    (await api<{ status: string }>('GET', `/api/v1/robots/${name}`)).body?.status;

  it('registers every robot with its capabilities; the API lists and filters them with live heartbeats', async () => {
    const listed = await eventually(
      async () => {
        const { body } = await api<{ robotId: string; status: string; vitals?: unknown }[]>(
          'GET',
          '/api/v1/robots',
        );
        return body.length === 4 && body.every((r) => r.status === 'online' && r.vitals) ? body : undefined;
      },
      { what: 'four robots online with heartbeats' },
    );
    expect(listed.map((r) => r.robotId)).toEqual(['robot-a', 'robot-b', 'robot-c', 'robot-d']);
    const sap = await api<{ robotId: string }[]>('GET', '/api/v1/robots?tag=sap&status=online');
    expect(sap.body.map((r) => r.robotId)).toEqual(['robot-a']);
    const d = await api<{ capabilities: Record<string, unknown>; vitals: Record<string, unknown> }>(
      'GET',
      '/api/v1/robots/robot-d',
    );
    expect(d.body.capabilities).toMatchObject({
      maxConcurrentJobs: 2,
      tags: ['us', 'batch'],
      platform: 'linux',
    });
    expect(d.body.vitals).toMatchObject({ rssMb: expect.any(Number), jobs: [] });
    expect((await api('GET', '/api/v1/robots/nobody')).status).toBe(404);
    expect((await api('GET', '/api/v1/robots?status=sleepy')).status).toBe(400);
  });

  it('lands jobs only on robots that satisfy their constraints, and rejects what no robot could run', async () => {
    const us = await Promise.all(
      [1, 2, 3, 4].map(() => trigger('sleepy', { placement: { requires: { tags: ['us'] } } })),
    );
    const desktop = await trigger('sleepy', { placement: { requires: { desktop: true } } });
    const windows = await trigger('sleepy', { placement: { requires: { platform: 'windows' } } });
    const sap = await trigger('sleepy', { placement: { requires: { tags: ['eu', 'sap'] } } });
    const gpu = await trigger('sleepy', { placement: { requires: { tags: ['gpu'] } } });

    for (const id of us) expect(['robot-c', 'robot-d']).toContain((await until(id, ['completed'])).robotId);
    expect((await until(desktop, ['completed'])).robotId).toBe('robot-b');
    expect((await until(windows, ['completed'])).robotId).toBe('robot-c');
    expect((await until(sap, ['completed'])).robotId).toBe('robot-a');
    const rejected = await until(gpu, ['rejected']);
    expect(rejected.error).toMatchObject({
      code: 'NoCapableRobot',
      message: expect.stringContaining('tags=gpu'),
    });
  });

  it('runs waiting jobs by priority, highest first', async () => {
    const onA = { placement: { affinity: { kind: 'hard', robotId: 'robot-a' } } };
    const blocker = await trigger('sleepy', { ...onA, variables: { ms: 1500 } });
    await until(blocker, ['running']);
    const low = await trigger('sleepy', { ...onA, priority: 1 });
    const high = await trigger('sleepy', { ...onA, priority: 20 });
    const mid = await trigger('sleepy', { ...onA, priority: 10 });
    const done = await Promise.all([low, high, mid].map((id) => until(id, ['completed'])));
    const order = done
      .sort((a, b) => Date.parse(a.startedAt ?? '') - Date.parse(b.startedAt ?? ''))
      .map((j) => j.jobId);
    expect(order).toEqual([high, mid, low]);
  });

  it('honours soft, hard and session affinity', async () => {
    // soft: the preferred robot when it is free, any capable robot when it is busy
    const soft = await trigger('sleepy', { placement: { affinity: { kind: 'soft', robotId: 'robot-b' } } });
    expect((await until(soft, ['completed'])).robotId).toBe('robot-b');
    const blocker = await trigger('sleepy', {
      variables: { ms: 2000 },
      placement: { affinity: { kind: 'hard', robotId: 'robot-a' } },
    });
    await until(blocker, ['running']);
    const elsewhere = await trigger('sleepy', {
      placement: { affinity: { kind: 'soft', robotId: 'robot-a' } },
    });
    expect((await until(elsewhere, ['completed'])).robotId).not.toBe('robot-a');

    // session: a chain of jobs stays on the robot the first one went to
    const chain = await Promise.all(
      [1, 2, 3, 4].map(() =>
        trigger('sleepy', {
          placement: { requires: { tags: ['us'] }, affinity: { kind: 'session', key: 'order-42' } },
        }),
      ),
    );
    const robots = new Set(
      (await Promise.all(chain.map((id) => until(id, ['completed'])))).map((j) => j.robotId),
    );
    expect(robots.size).toBe(1);

    // hard: only that robot; the job waits while it is offline and runs when it is back
    await robot('robot-c').stop();
    await eventually(async () => ((await presence('robot-c')) === 'offline' ? true : undefined), {
      what: 'robot-c offline',
    });
    const pinned = await trigger('sleepy', { placement: { affinity: { kind: 'hard', robotId: 'robot-c' } } });
    await eventually(async () => ((await job(pinned))?.status === 'pending' ? true : undefined));
    await platform.stack.addRobot('robot-c', ROBOTS['robot-c']);
    const ran = await until(pinned, ['completed']);
    expect(ran.robotId).toBe('robot-c');
    // placed once, when robot-c came back: a first placement is no event of its own (ADR 26),
    // so the one claim is what shows it
    const history = await events(pinned);
    expect(history.filter((e) => e.type === 'JobDispatched')).toHaveLength(0);
    expect(history.filter((e) => e.type === 'JobStarted')).toHaveLength(1);
  });

  it('cancels a queued job before any robot takes it, and a running job within a second', async () => {
    const onB = { placement: { affinity: { kind: 'hard', robotId: 'robot-b' } } };
    const running = await trigger('sleepy', { ...onB, variables: { ms: 20_000 } });
    await until(running, ['running']);
    const queued = await trigger('sleepy', onB);
    await until(queued, ['pending']);

    expect((await api('POST', `/api/v1/jobs/${queued}/cancel`, {})).body).toMatchObject({
      status: 'cancelled',
    });
    const cancelRequestedAt = Date.now();
    expect((await api('POST', `/api/v1/jobs/${running}/cancel`, {})).status).toBe(202);
    await until(running, ['cancelled'], 5_000);
    expect(Date.now() - cancelRequestedAt).toBeLessThan(2_000);
    await until(queued, ['cancelled']);
    expect((await events(queued)).map((e) => e.type)).not.toContain('JobStarted');
    const cancelled = await api<{ jobId: string }[]>('GET', '/api/v1/jobs?status=cancelled');
    expect(cancelled.body.map((job) => job.jobId)).toEqual(expect.arrayContaining([queued, running]));
    // robot-b is free again: the next job runs there at once
    expect((await until(await trigger('sleepy', onB), ['completed'])).robotId).toBe('robot-b');
  });

  it('runs a job placed twice for the first time once, and the other robot drops its message at once', async () => {
    // A dispatcher that died after placing a job places it again when it restarts: a first
    // placement is its work message alone (ADR 26). Here robot-a has the live placement and
    // robot-b, busy, the earlier one, as the dead dispatcher would have left it.
    const onB = { placement: { affinity: { kind: 'hard', robotId: 'robot-b' } } };
    const busy = await trigger('sleepy', { ...onB, variables: { ms: 1_500 } });
    await until(busy, ['running']);
    const twice = await trigger('noop', { placement: { affinity: { kind: 'hard', robotId: 'robot-a' } } });
    const requested = await eventually(async () => (await events(twice))[0], { what: 'the request' });
    await jetstream(nc).publish(
      subjects.robotWork('default', 'robot-b'),
      JSON.stringify(
        RunJob.create({
          tenantId: 'default',
          aggregateId: twice,
          id: `run:${twice}:${requested.sequence}:robot-b`,
          data: {
            workflowId: 'noop',
            workflowVersion: 1,
            priority: 10,
            attempt: 1,
            fresh: { sequence: requested.sequence, variables: {} },
          },
        }),
      ),
    );

    expect((await until(twice, ['completed'])).robotId).toBe('robot-a');
    await until(busy, ['completed']);
    // Superseded, acked: not held until its lease (5 s here) runs out and it is delivered again.
    await eventually(
      async () => {
        const info = await jsm.consumers.info(STREAMS.work, 'robot-robot-b');
        return info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined;
      },
      { timeoutMs: 3_000, what: "robot-b's work consumer empty" },
    );
    expect((await events(twice)).filter((e) => e.type === 'JobStarted')).toHaveLength(1);
    expect((await until(await trigger('sleepy', onB), ['completed'])).robotId).toBe('robot-b');
  });

  it('walks a failing job through the retry schedule into the dead letters, and requeues it', async () => {
    const failing = await trigger('always-fails');
    const dead = await eventually(
      async () => {
        const { body } = await api<{ id: string; attempts: number; error: { message: string } }[]>(
          'GET',
          '/api/v1/dead-letters',
        );
        return body.find((d) => d.id === failing);
      },
      { timeoutMs: 20_000, what: 'the job in the dead letters' },
    );
    expect(dead).toMatchObject({ attempts: 3, error: { message: 'the portal is down' } });
    const history = await events(failing);
    const retries = history.filter((e) => e.type === 'JobRetryScheduled');
    expect(retries.map((e) => [e.data['attempt'], e.data['delayMs']])).toEqual([
      [2, 300],
      [3, 600],
    ]);
    expect(history.filter((e) => e.type === 'JobFailed')).toHaveLength(3);
    // the wait between a failure and the next start is the scheduled delay
    const startedAt = history.filter((e) => e.type === 'JobStarted').map((e) => Date.parse(e.occurredAt));
    const failedAt = history.filter((e) => e.type === 'JobFailed').map((e) => Date.parse(e.occurredAt));
    expect(startedAt[1] - failedAt[0]).toBeGreaterThanOrEqual(300);
    expect(startedAt[2] - failedAt[1]).toBeGreaterThanOrEqual(600);

    const requeued = await api<{ attempt: number }>('POST', `/api/v1/dead-letters/${failing}/requeue`, {});
    expect(requeued).toMatchObject({ status: 202, body: { attempt: 4 } });
    expect((await api('POST', `/api/v1/dead-letters/${failing}/requeue`, {})).status).toBe(409);
    await eventually(async () => {
      const again = await events(failing);
      return again.some((e) => e.type === 'JobDispatched' && e.data['attempt'] === 4) ? true : undefined;
    });
    expect((await api('POST', '/api/v1/dead-letters/no-such-job/requeue', {})).status).toBe(404);
  });

  it('fails a job raising a business exception at once: never retried', async () => {
    const business = await trigger('out-of-stock');
    const dead = await eventually(
      async () => {
        const { body } = await api<{ id: string; attempts: number; error: { code: string } }[]>(
          'GET',
          '/api/v1/dead-letters',
        );
        return body.find((d) => d.id === business);
      },
      { timeoutMs: 20_000, what: 'the job in the dead letters' },
    );
    expect(dead).toMatchObject({ attempts: 1, error: { code: 'NO_STOCK' } });
    const types = (await events(business)).map((e) => e.type);
    expect(types.filter((type) => type === 'JobRetryScheduled' || type === 'JobStarted')).toEqual([
      'JobStarted',
    ]);
  });

  it('starts one job per webhook delivery, verified by its HMAC signature', async () => {
    const created = await api<{ hookId: string; secret: string; url: string }>('POST', '/api/v1/hooks', {
      workflowId: 'sleepy',
      variables: { ms: 10 },
    });
    expect(created.status).toBe(201);
    const { url, secret } = created.body;
    const payload = JSON.stringify({ ms: 20 });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`;

    expect(
      (
        await api('POST', url, payload, {
          'x-aether-signature': 'sha256=00',
          'x-aether-timestamp': timestamp,
        })
      ).status,
    ).toBe(401);
    // A captured delivery replayed later is refused: its timestamp is signed.
    const old = String(Number(timestamp) - 600);
    const replayed = await api('POST', url, payload, {
      'x-aether-signature': `sha256=${createHmac('sha256', secret).update(`${old}.${payload}`).digest('hex')}`,
      'x-aether-timestamp': old,
    });
    expect(replayed.status).toBe(401);
    const unsigned = await api('POST', url, payload);
    expect(unsigned.status).toBe(401);
    expect(JSON.stringify(unsigned.body)).toContain('missing x-aether-signature');
    const deliver = () =>
      api<{ jobId: string }>('POST', url, payload, {
        'x-aether-signature': signature,
        'x-aether-timestamp': timestamp,
        'idempotency-key': 'delivery-1',
      });
    const [first, retried] = [await deliver(), await deliver()];
    expect(first.status).toBe(202);
    expect(retried.body.jobId).toBe(first.body.jobId);
    await until(first.body.jobId, ['completed']);
    expect((await events(first.body.jobId)).filter((e) => e.type === 'JobRequested')).toHaveLength(1);
    const listed = await api<Record<string, unknown>[]>('GET', '/api/v1/hooks');
    expect(JSON.stringify(listed.body)).not.toContain(secret);
  });

  it('moves the jobs of a killed robot to another robot, which resumes them from their event log', async () => {
    const eu = { placement: { requires: { tags: ['eu'] } } };
    const moving = await trigger('four-steps', eu);
    const first = await until(moving, ['running']);
    await eventually(async () =>
      (await events(moving)).some((e) => e.type === 'StepCompleted') ? true : undefined,
    );
    const victim = robot(first.robotId as string);
    victim.child.kill('SIGKILL');
    const done = await until(moving, ['completed'], 30_000);
    expect(done.robotId).not.toBe(first.robotId);
    expect(['robot-a', 'robot-b']).toContain(done.robotId);
    const history = await events(moving);
    const starts = history.filter((e) => e.type === 'JobStarted');
    expect(starts.map((e) => e.data['robotId'])).toEqual([first.robotId, done.robotId]);
    expect(starts[1].data['resumedAfterSteps']).toBeGreaterThanOrEqual(1);
    // no completed step ran twice
    const completed = history.filter((e) => e.type === 'StepCompleted').map((e) => e.data['stepKey']);
    expect(new Set(completed).size).toBe(completed.length);
    expect(await presence(first.robotId as string)).toBe('offline');
  });

  it('fires a cron schedule on time, once per occurrence with two replicas, and across a scheduler restart', async () => {
    const env = {
      natsUrl: platform.nats.url,
      databaseUrl: platform.db.url,
      logDir: platform.logDir,
      env: {
        LOG_LEVEL: 'info',
        MISFIRE_GRACE_MS: '1000',
        // Under NATS accounts (E2E_NATS_AUTH=1) a replica connects as the scheduler does.
        ...(platform.natsCreds ? { NATS_CREDS_FILE: join(platform.logDir, 'nats', 'scheduler.creds') } : {}),
      },
    };
    extra.push(await startServiceProcess('scheduler', { ...env, name: 'scheduler-replica' }));
    const created = await api('POST', '/api/v1/schedules', {
      scheduleId: 'every-2s',
      workflowId: 'noop',
      cron: '*/2 * * * * *',
      timezone: 'Europe/Berlin',
      misfirePolicy: 'fire_once',
    });
    expect(created.status).toBe(201);
    type Fire = {
      fireAt: string;
      firedAt: string;
      jobId: string;
      misfire: boolean;
      skipped: number;
      firedBy: string;
    };
    const fires = async () => (await api<{ fires: Fire[] }>('GET', '/api/v1/schedules/every-2s')).body.fires;
    await eventually(async () => ((await fires()).length >= 3 ? true : undefined), { timeoutMs: 15_000 });

    for (const scheduler of [platform.stack.services.find((s) => s.service === 'scheduler'), ...extra])
      await scheduler?.stop();
    const beforeStop = await fires();
    const lastBeforeStop = Math.max(...beforeStop.map((f) => Date.parse(f.fireAt)));
    await new Promise((resolve) => setTimeout(resolve, 4_500)); // let occurrences pass with no scheduler running
    const restarted = await startServiceProcess('scheduler', { ...env, name: 'scheduler-restarted' });
    extra.push(restarted);
    const afterStop = (f: Fire) => Date.parse(f.fireAt) > lastBeforeStop;
    const all = await eventually(
      async () => {
        const found = await fires();
        return found.filter(afterStop).length >= 2 ? found : undefined;
      },
      { timeoutMs: 20_000, what: 'the catch-up fire and an on-time fire after the restart' },
    ).catch(async (error: Error) => {
      const log = readFileSync(restarted.logFile, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(
        `${error.message}\nfires: ${JSON.stringify(await fires())}\nscheduler-restarted log:\n${log}`,
      );
    });

    // two replicas, yet every occurrence fired once
    expect(new Set(all.map((f) => f.fireAt)).size).toBe(all.length);
    // fire_once: the occurrences missed while no scheduler ran collapse into one fire, the latest.
    // It is a misfire when the restarted scheduler planned it more than the grace period late;
    // a restart that lands within the grace period of an occurrence fires that one on time.
    const [catchUp, ...rest] = all
      .filter(afterStop)
      .sort((a, b) => Date.parse(a.fireAt) - Date.parse(b.fireAt));
    const late = (f: Fire) => Date.parse(f.firedAt) - Date.parse(f.fireAt);
    expect(catchUp.skipped).toBeGreaterThanOrEqual(1);
    if (catchUp.misfire) expect(late(catchUp)).toBeGreaterThan(1_000);
    expect(all.filter((f) => f.skipped > 0)).toEqual([catchUp]);
    // everything else on time, on the even seconds of the cron expression
    for (const fire of [...all.filter((f) => !afterStop(f)), ...rest]) {
      expect(fire.misfire).toBe(false);
      expect(late(fire)).toBeLessThan(1_000);
      expect(new Date(fire.fireAt).getUTCSeconds() % 2).toBe(0);
    }
    for (const fire of all) await until(fire.jobId, ['completed']);
    expect((await api('POST', '/api/v1/schedules/every-2s/pause')).status).toBe(200);
    expect((await api('GET', '/api/v1/schedules')).body).toEqual([
      expect.objectContaining({ scheduleId: 'every-2s', paused: true, nextRunAt: null }),
    ]);
    expect((await api('DELETE', '/api/v1/schedules/every-2s')).status).toBe(204);
    expect(
      (await api('POST', '/api/v1/schedules', { workflowId: 'noop', cron: 'every now and then' })).status,
    ).toBe(400);
    const badZone = await api('POST', '/api/v1/schedules', {
      workflowId: 'noop',
      cron: '0 6 * * *',
      timezone: 'Mars/Olympus',
    });
    expect(badZone.status).toBe(400);
    expect(badZone.body).toMatchObject({
      status: 400,
      problems: [expect.objectContaining({ path: 'body.timezone' })],
    });
  });
});
