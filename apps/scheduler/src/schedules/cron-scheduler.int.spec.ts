import type { KV } from '@nats-io/kv';
import {
  KV_BUCKETS,
  MessageRegistry,
  SCHEDULE_EVENTS,
  STREAMS,
  WorkflowVersionPublished,
  subjects,
  type ScheduleDefinition,
  type ScheduleEvent,
} from '@aether/contracts';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { openBucket } from '@aether/kv-state';
import { createLogger } from '@aether/service-kit';
import { eventually } from '@aether/testing';
import { CronScheduler } from './cron-scheduler';

const tenantId = 'default';
const registry = new MessageRegistry<ScheduleEvent>(SCHEDULE_EVENTS);
const nodes = [{ id: 'stop', type: 'stopWithError', params: { message: 'never run' } }];

/** A schedule's fire checks its variables against the version its job would run (ADR 135). */
describe('cron scheduler fires (real nats-server)', () => {
  let jet: TestJetStream;
  let kv: KV;
  let scheduler: CronScheduler;
  const logger = createLogger('cron-scheduler-spec', 'silent');

  const publish = async (version: number, inputs: Record<string, unknown>) =>
    jet.store.append(
      subjects.event(tenantId, 'workflow', 'greet'),
      [
        WorkflowVersionPublished.create({
          tenantId,
          aggregateId: 'greet',
          data: { version, definition: { id: 'greet', inputs, nodes } as never },
        }),
      ],
      'any',
    );
  const schedule = (scheduleId: string, variables: Record<string, string>, workflowVersion?: number) =>
    kv.put(
      `${tenantId}.${scheduleId}`,
      JSON.stringify({
        scheduleId,
        tenantId,
        workflowId: 'greet',
        ...(workflowVersion ? { workflowVersion } : {}),
        cron: '* * * * * *',
        timezone: 'UTC',
        misfirePolicy: 'skip',
        variables,
        priority: 10,
        paused: false,
        createdAt: new Date().toISOString(),
        activeFrom: new Date().toISOString(),
      } satisfies ScheduleDefinition),
    );
  const fires = async (scheduleId: string) =>
    (await jet.store.read(subjects.event(tenantId, 'schedule', scheduleId), registry)).events.map(
      ({ event }) => event.data,
    );
  /** The `RequestJob` sent for a job (nothing consumes them here). */
  const requested = async (jobId: string) => {
    const info = await jet.jsm.streams.info(STREAMS.commands);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const stored = await jet.jsm.streams.getMessage(STREAMS.commands, { seq }).catch(() => null);
      const command = stored?.json<{ aggregateId: string; data: { workflowVersion?: number } }>();
      if (command?.aggregateId === jobId) return command;
    }
    return undefined;
  };

  beforeAll(async () => {
    jet = await startJetStream('cron-scheduler-spec');
    kv = await openBucket(jet.nc, KV_BUCKETS.schedules);
    await publish(1, { name: { type: 'string', required: true } });
    await publish(2, { who: { type: 'string', required: true } });
    scheduler = new CronScheduler(
      kv,
      jet.store,
      jet.js,
      jet.jsm,
      { graceMs: 1_000, replicaId: 'r1' },
      logger,
    );
    await scheduler.start();
  });

  afterAll(async () => {
    await scheduler?.stop();
    await jet?.close();
  });

  it('records a fire the latest version refuses, with its problems, and starts no job', async () => {
    await schedule('stale', { name: 'Ada' });
    const [fire] = await eventually(async () =>
      (await fires('stale')).length > 0 ? fires('stale') : undefined,
    );
    expect(fire?.refused).toEqual({
      workflowVersion: 2,
      reason: 'workflow greet v2 refuses these inputs: inputs.who: required; inputs.name: unknown input',
      problems: [
        { path: 'inputs.who', message: 'required' },
        { path: 'inputs.name', message: 'unknown input' },
      ],
    });
    expect(fire?.workflowVersion).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 300)); // its request would have followed the fire
    expect(await requested(fire?.jobId as string)).toBeUndefined();
  });

  it('requests a fire its version accepts, pinned to that version', async () => {
    await schedule('pinned', { name: 'Ada' }, 1);
    const [fire] = await eventually(async () =>
      (await fires('pinned')).length > 0 ? fires('pinned') : undefined,
    );
    expect(fire).toMatchObject({ workflowVersion: 1 });
    expect(fire?.refused).toBeUndefined();
    const command = await eventually(() => requested(fire?.jobId as string));
    expect(command.data.workflowVersion).toBe(1);
  });
});
