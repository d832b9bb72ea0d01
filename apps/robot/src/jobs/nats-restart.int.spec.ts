import {
  JOB_EVENTS,
  JobRequested,
  MessageRegistry,
  RobotHeartbeat,
  RunJob,
  STREAMS,
  newId,
  subjects,
  type JobEvent,
} from '@aether/contracts';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import type { NodeHandler } from '@aether/nodes';
import { createLogger } from '@aether/service-kit';
import { eventually } from '@aether/testing';
import { parseWorkflow } from '@aether/workflow';
import { RobotPresence } from '../presence/robot-presence';
import { JobRunner } from './job-runner';

const jobEvents = new MessageRegistry<JobEvent>(JOB_EVENTS);

const parsed = parseWorkflow({
  id: 'three-sets',
  nodes: [
    { id: 's1', type: 'data.set', params: { values: { a: 1 } }, next: 's2' },
    { id: 's2', type: 'data.set', params: { values: { b: 2 } }, next: 's3' },
    { id: 's3', type: 'data.set', params: { values: { c: 3 } } },
  ],
});
if (!parsed.ok) throw new Error('three-sets workflow is invalid');
const workflow = parsed.workflow;

/** How long nats-server stays down: well inside a lease, shorter than JetStream's 5 s publish timeout. */
const DOWN_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a robot through a nats-server restart (real nats-server, same store)', () => {
  let nats: TestJetStream;

  beforeAll(async () => {
    nats = await startJetStream('nats-restart-test');
  });
  afterAll(() => nats?.close());

  /** SIGKILLs the server, runs `whileDown`, and starts it again on its store; resolves when it listens. */
  async function restartServer(whileDown: () => void): Promise<number> {
    await nats.server.kill();
    whileDown();
    await sleep(DOWN_MS);
    await nats.server.restart();
    const back = Date.now();
    // The suite's own reads are plain requests: one sent before its connection is back would be lost.
    await eventually(() => nats.nc.rtt().catch(() => undefined));
    return back;
  }

  it('commits a step whose outcome was sent into the dead connection as soon as it is back, once', async () => {
    let openGate = () => undefined as void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let entered = false;
    const handlers = new Map<string, NodeHandler>([
      [
        'data.set',
        {
          type: 'data.set',
          execute: async (params) => {
            if ('b' in (params['values'] as object)) {
              entered = true;
              await gate;
            }
            return { values: params['values'] };
          },
        },
      ],
    ]);
    const runner = new JobRunner({
      store: nats.store,
      workflows: { get: async () => workflow },
      handlers,
      openBrowser: () => ({ page: () => Promise.reject(new Error('no page')), close: async () => undefined }),
      storeArtifact: () => Promise.reject(new Error('no artifacts')),
      secret: () => undefined,
      robotId: 'robot-a',
      logger: createLogger('nats-restart-test', 'silent'),
    });
    const jobId = newId();
    const subject = subjects.event('default', 'job', jobId);
    const base = { tenantId: 'default', aggregateId: jobId };
    const data = { workflowId: 'three-sets', workflowVersion: 1, variables: {}, priority: 10 };
    const requested = await nats.store.append(
      subject,
      [JobRequested.create({ ...base, data: { ...data, trigger: { kind: 'api' } } })],
      0,
    );
    const work = RunJob.create({
      ...base,
      data: { ...data, attempt: 1, fresh: { sequence: requested.lastSequence, variables: {} } },
    });
    const never = new AbortController().signal;
    const run = runner.run({ work, delivery: 1, stopping: never, abortStep: never, cancelled: never });
    await eventually(async () => (entered ? true : undefined));

    // The step finishes while the server is down: its StepCompleted goes into a dead connection.
    const back = await restartServer(openGate);
    expect(await run).toBe('completed');
    const afterBack = Date.now() - back;

    const events = (await nats.store.read(subject, jobEvents)).events.map(({ event }) => event);
    const per = (type: string, key: string) =>
      events.filter((event) => event.type === type && (event.data as { stepKey?: string }).stepKey === key)
        .length;
    for (const key of ['s1', 's2', 's3']) {
      expect([key, per('StepStarted', key), per('StepCompleted', key)]).toEqual([key, 1, 1]);
    }
    expect(events.filter((event) => event.type === 'JobCompleted')).toHaveLength(1);
    // nats.js would wait out its 5 s publish timeout for the answer the old connection lost.
    expect(afterBack).toBeLessThan(2_000);
  });

  it('sends the heartbeat that was on its way again when the connection is back', async () => {
    const presence = new RobotPresence(
      nats.nc,
      nats.js,
      { activeJobs: () => [], progress: () => [], resources: () => ({}) as never },
      {
        tenantId: 'default',
        robotId: 'robot-h',
        pool: 'default',
        capabilities: {
          platform: 'linux',
          browsers: [],
          desktop: false,
          maxConcurrentJobs: 1,
          cores: 1,
          memoryMb: 1,
          tags: [],
        },
        heartbeatMs: 100,
      },
      createLogger('nats-restart-test', 'silent'),
    );
    await presence.start();
    const heartbeatsSince = async (since: number) => {
      const last = await nats.jsm.streams.getMessage(STREAMS.commands, {
        last_by_subj: subjects.robotPresence('default'),
      });
      const message = last?.json<{ type: string; occurredAt: string }>();
      return message?.type === RobotHeartbeat.type && Date.parse(message.occurredAt) >= since
        ? message
        : undefined;
    };
    try {
      await eventually(() => heartbeatsSince(0));
      // A beat leaves while the server is down; no other leaves while it waits for its answer.
      const back = await restartServer(() => undefined);
      await eventually(() => heartbeatsSince(back - DOWN_MS), { timeoutMs: 5_000 });
      expect(Date.now() - back).toBeLessThan(2_000);
    } finally {
      await presence.stop();
    }
  });
});
