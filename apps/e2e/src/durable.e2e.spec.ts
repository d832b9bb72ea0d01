import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { MessageRegistry, ROBOT_EVENTS, subjects, type RobotEvent } from '@aether/contracts';
import { EventStore, connectNats } from '@aether/event-store';
import { eventually } from '@aether/testing';
import {
  startTestPlatform,
  type JobEventView,
  type TestPlatform,
  type ServiceProcess,
} from '@aether/platform';

/** The production lease: any resume well inside it cannot have come from the lease lapsing. */
const LEASE_MS = 30_000;
/** Generous for a loaded 2-core machine, yet far inside the lease (and the 15 s of missed heartbeats). */
const RESUME_BOUND_MS = 10_000;
const STEPS = 5;

/**
 * Five side effects the demo site counts; each answers after `stepMs`, so a robot is always
 * mid-step. A POST is not idempotent: a step a robot died in is re-run only with `autoRetryAmbiguous`.
 */
const sideEffects = (id: string, autoRetryAmbiguous: boolean) => ({
  id,
  autoRetryAmbiguous,
  inputs: {
    siteUrl: { type: 'string', required: true },
    runId: { type: 'string', required: true },
    stepMs: { type: 'integer', default: 1_000 },
  },
  nodes: Array.from({ length: STEPS }, (_, i) => ({
    id: `s${i + 1}`,
    type: 'http.request',
    params: {
      method: 'POST',
      url: '{{ inputs.siteUrl }}/api/side-effects',
      json: { key: `{{ inputs.runId }}-s${i + 1}`, delayMs: '{{ inputs.stepMs }}' },
    },
    ...(i + 1 < STEPS ? { next: `s${i + 2}` } : {}),
  })),
});
const RELEASED = sideEffects('five-side-effects', false);
const KILLED = sideEffects('five-side-effects-retried', true);

/**
 * Durable execution across robot processes with the production lease (30 s) and heartbeat:
 * a robot told to stop hands its job over at once, and a robot that dies is noticed by its
 * closed connection — neither waits out the lease.
 */
describe('durable execution: release on SIGTERM, resume after SIGKILL, both far inside the lease', () => {
  let platform: TestPlatform;
  let nc: NatsConnection;
  let store: EventStore;

  beforeAll(async () => {
    platform = await startTestPlatform({
      name: 'durable',
      robots: 2,
      robotEnv: { LEASE_MS: String(LEASE_MS) },
    });
    nc = await connectNats({
      servers: platform.nats.url,
      name: 'durable-e2e',
      ...(platform.natsCreds ? { creds: platform.natsCreds } : {}),
    });
    store = new EventStore(jetstream(nc), await jetstreamManager(nc));
    for (const workflow of [RELEASED, KILLED])
      expect((await api('POST', '/api/v1/workflows', workflow)).status).toBe(201);
  });

  afterAll(async () => {
    await nc?.close();
    await platform?.stop();
  });

  const api: TestPlatform['api'] = (...args) => platform.api(...args);

  const events = (jobId: string) => platform.events(jobId);

  const waitFor = (
    jobId: string,
    found: (history: JobEventView[]) => boolean,
    what: string,
    timeoutMs = 60_000,
  ) =>
    eventually(
      async () => {
        const history = await events(jobId);
        return found(history) ? history : undefined;
      },
      { timeoutMs, intervalMs: 25, what },
    );

  async function trigger(workflowId: string, runId: string): Promise<string> {
    const { status, body } = await api<{ jobId: string }>('POST', `/api/v1/workflows/${workflowId}/trigger`, {
      variables: { siteUrl: platform.site.url, runId },
    });
    expect(status).toBe(202);
    return body.jobId;
  }

  /** Waits until the job is inside its second step and answers the robot running it. */
  async function midJob(jobId: string): Promise<ServiceProcess> {
    const history = await waitFor(
      jobId,
      (h) => h.some((e) => e.type === 'StepStarted' && e.data['stepKey'] === 's2'),
      'the second step started',
    );
    const holder = history.find((e) => e.type === 'JobStarted')?.data['robotId'];
    const robot = platform.stack.robots.find((r) => r.name === holder);
    if (!robot) throw new Error(`robot ${String(holder)} is not one of the stack's`);
    return robot;
  }

  /** Per step: how often it started, completed, and how often the demo site saw its side effect. */
  function stepCounts(history: JobEventView[], runId: string) {
    return Array.from({ length: STEPS }, (_, i) => {
      const key = `s${i + 1}`;
      const mine = history.filter((e) => e.data['stepKey'] === key);
      return {
        key,
        started: mine.filter((e) => e.type === 'StepStarted').length,
        completed: mine.filter((e) => e.type === 'StepCompleted').length,
        effects: platform.site.sideEffects()[`${runId}-${key}`] ?? 0,
      };
    });
  }

  it('SIGTERM: the robot finishes its step, records JobReleased and the standby resumes at once', async () => {
    const runId = `term${Date.now()}`;
    const jobId = await trigger(RELEASED.id, runId);
    const holder = await midJob(jobId);
    const signalledAt = Date.now();
    const exited = holder.stop(20_000);

    const history = await waitFor(
      jobId,
      (h) => h.some((e) => e.type === 'JobCompleted'),
      'the job completed',
    );
    await exited;

    const released = history.find((e) => e.type === 'JobReleased');
    expect(released?.data).toMatchObject({ robotId: holder.name, reason: 'shutdown' });
    const starts = history.filter((e) => e.type === 'JobStarted');
    expect(starts).toHaveLength(2);
    expect(starts[0].data['robotId']).toBe(holder.name);
    expect(starts[1].data['robotId']).not.toBe(holder.name);
    // every step the stopping robot started it also finished before releasing; the rest ran on the standby
    const at = history.indexOf(released as JobEventView);
    const before = history.slice(0, at);
    const after = history.slice(at + 1);
    const keys = (events: JobEventView[], type: string) =>
      events.filter((e) => e.type === type).map((e) => e.data['stepKey']);
    expect(keys(before, 'StepCompleted')).toEqual(keys(before, 'StepStarted'));
    expect(keys(before, 'StepStarted').length).toBeGreaterThanOrEqual(2);
    expect(
      before.filter((e) => e.type === 'StepStarted').every((e) => e.data['robotId'] === holder.name),
    ).toBe(true);
    expect(
      after
        .filter((e) => e.type === 'StepStarted')
        .every((e) => e.data['robotId'] === starts[1].data['robotId']),
    ).toBe(true);
    expect(stepCounts(history, runId)).toEqual(
      Array.from({ length: STEPS }, (_, i) => ({ key: `s${i + 1}`, started: 1, completed: 1, effects: 1 })),
    );

    const resumedMs = Date.parse(starts[1].occurredAt) - signalledAt;
    process.stdout.write(`SIGTERM → resumed on ${String(starts[1].data['robotId'])} after ${resumedMs} ms\n`);
    expect(resumedMs).toBeLessThan(RESUME_BOUND_MS);
    expect(Date.parse(starts[1].occurredAt) - Date.parse(released?.occurredAt ?? '')).toBeLessThan(
      RESUME_BOUND_MS,
    );
    // it shut down on its own (Nest re-raises SIGTERM once closed), not by the SIGKILL fallback
    expect(holder.child.signalCode ?? holder.child.exitCode).toBe('SIGTERM');
  });

  it('SIGKILL inside a step that is not idempotent (no automatic retry): the job waits for an operator; skip-step and fail resolve it', async () => {
    const parkedByKill = async (runId: string, standby: string) => {
      await platform.stack.addRobot(standby);
      const jobId = await trigger(RELEASED.id, runId);
      const holder = await midJob(jobId);
      holder.child.kill('SIGKILL');
      const history = await waitFor(
        jobId,
        (h) => h.some((e) => e.type === 'JobNeedsAttention'),
        'the job waiting for an operator',
      );
      expect(history.at(-1)).toMatchObject({ type: 'JobNeedsAttention', data: { stepKey: 's2' } });
      return jobId;
    };

    // skip-step: the operator saw the effect happen; s2 is not run again, the rest is.
    const skipped = `park-skip${Date.now()}`;
    const skippedJob = await parkedByKill(skipped, 'robot-standby-skip');
    expect((await api('POST', `/api/v1/jobs/${skippedJob}/skip-step`, { note: 'it went in' })).status).toBe(
      202,
    );
    const done = await waitFor(
      skippedJob,
      (h) => h.some((e) => e.type === 'JobCompleted'),
      'the job completed',
    );
    // s2 was killed inside its request: the site saw it at most once, and nothing ran it again.
    const afterSkip = stepCounts(done, skipped);
    expect(afterSkip.map(({ started }) => started)).toEqual([1, 1, 1, 1, 1]);
    expect(afterSkip.filter(({ key }) => key !== 's2').map(({ effects }) => effects)).toEqual([1, 1, 1, 1]);
    expect(afterSkip[1].effects).toBeLessThanOrEqual(1);

    // fail: the job fails for good and is dead-lettered at once; nothing runs again.
    const failed = `park-fail${Date.now()}`;
    const failedJob = await parkedByKill(failed, 'robot-standby-fail');
    expect(
      (await api('POST', `/api/v1/jobs/${failedJob}/fail`, { note: 'double-check by hand' })).status,
    ).toBe(202);
    const ended = await waitFor(
      failedJob,
      (h) => h.some((e) => e.type === 'JobDeadLettered'),
      'dead-lettered',
    );
    expect(ended.find((e) => e.type === 'JobFailed')).toMatchObject({
      data: { error: { code: 'FailedByOperator', retryable: false } },
    });
    const afterFail = stepCounts(ended, failed);
    expect(afterFail.map(({ started }) => started)).toEqual([1, 1, 0, 0, 0]);
    expect(afterFail[1].effects).toBeLessThanOrEqual(1);
    expect(afterFail.slice(2).every(({ effects }) => effects === 0)).toBe(true);
  });

  it('SIGKILL: the registry sees the closed connection and the standby resumes long before the lease', async () => {
    await platform.stack.addRobot('robot-standby');
    const runId = `kill${Date.now()}`;
    const jobId = await trigger(KILLED.id, runId);
    const holder = await midJob(jobId);
    const killedAt = Date.now();
    holder.child.kill('SIGKILL');

    const history = await waitFor(
      jobId,
      (h) => h.some((e) => e.type === 'JobCompleted'),
      'the job completed',
    );
    const resumed = history.find((e) => e.type === 'JobStarted' && e.data['robotId'] !== holder.name);
    const resumedMs = Date.parse(resumed?.occurredAt ?? '') - killedAt;
    process.stdout.write(`SIGKILL → resumed on ${String(resumed?.data['robotId'])} after ${resumedMs} ms\n`);
    expect(resumedMs).toBeLessThan(RESUME_BOUND_MS);

    const robotEvents = await store.read(
      subjects.event('default', 'robot', holder.name),
      new MessageRegistry<RobotEvent>(ROBOT_EVENTS),
    );
    expect(robotEvents.events.map((e) => e.event).at(-1)).toMatchObject({
      type: 'RobotWentOffline',
      data: { reason: 'disconnected' },
    });
    // only the step the robot died in runs again (at least once); no completed step runs twice.
    // The site saw that step once or twice: once when the kill came before its request left.
    const counts = stepCounts(history, runId);
    for (const step of counts) {
      expect(step.completed).toBe(1);
      expect(step.started).toBeLessThanOrEqual(2);
      expect(step.effects).toBeGreaterThanOrEqual(1);
      expect(step.effects).toBeLessThanOrEqual(step.started);
    }
    expect(counts.filter((step) => step.started === 2).length).toBeLessThanOrEqual(1);
  });
});
