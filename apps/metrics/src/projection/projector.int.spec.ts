import pino from 'pino';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { JobRequested, RobotWentOffline, STREAMS, subjects } from '@aether/contracts';
import { ensureStreams, readQuarantine } from '@aether/event-store';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { JobProjection } from '@aether/read-model';
import { createTestReadModel, type TestReadModel } from '@aether/read-model/test-support';
import { eventually } from '@aether/testing';
import { PROJECTOR_CONSUMER, Projector } from './projector';

const requested = (jobId: string) =>
  JobRequested.create({
    tenantId: 'default',
    aggregateId: jobId,
    data: { workflowId: 'wf', workflowVersion: 1, variables: {}, priority: 10, trigger: { kind: 'manual' } },
  });

describe('Projector: events it cannot read', () => {
  let nats: TestJetStream;
  let readModel: TestReadModel;
  let ds: DataSource;
  let projector: Projector | undefined;

  beforeAll(async () => {
    [nats, readModel] = await Promise.all([startJetStream('projector-spec'), createTestReadModel()]);
    ds = readModel.dataSource;
  });
  afterEach(async () => {
    await projector?.stop();
    projector = undefined;
  });
  afterAll(async () => {
    await nats?.close();
    await readModel?.close();
  });

  const startProjector = (metrics = new Registry()) => {
    const projection = new JobProjection(ds);
    projector = new Projector(
      nats.store,
      projection,
      pino({ level: 'silent' }),
      { maxEvents: 100, lingerMs: 5 },
      metrics,
    );
    projector.start();
    return projection;
  };
  const projectedJobs = async () =>
    ((await ds.query('SELECT job_id FROM jobs ORDER BY job_id')) as { job_id: string }[]).map(
      (row) => row.job_id,
    );
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  it('quarantines a job event it cannot read, passes over robots’ events, and projects the rest', async () => {
    const malformed = { ...requested('job-2'), data: { workflowId: 'wf', priority: 'high' } };
    await nats.store.append(subjects.event('default', 'job', 'job-1'), [requested('job-1')], 0);
    const bad = await nats.js.publish(subjects.event('default', 'job', 'job-2'), encode(malformed));
    const robotEvent = RobotWentOffline.create({
      tenantId: 'default',
      aggregateId: 'robot-1',
      data: { sessionId: 's1', reason: 'shutdown', lastSeenAt: new Date().toISOString(), jobs: [] },
    });
    await nats.store.append(subjects.event('default', 'robot', 'robot-1'), [robotEvent], 'any');
    const last = await nats.store.append(subjects.event('default', 'job', 'job-3'), [requested('job-3')], 0);

    const projection = startProjector();
    await eventually(async () => ((await projection.checkpoint()) === last.lastSequence ? true : undefined), {
      what: 'the checkpoint past every event',
    });

    expect(await projectedJobs()).toEqual(['job-1', 'job-3']);
    const held = await readQuarantine(nats.js, nats.jsm, { consumer: PROJECTOR_CONSUMER });
    expect(held.total).toBe(1);
    expect(held.messages[0]).toMatchObject({
      consumer: PROJECTOR_CONSUMER,
      origin: {
        stream: STREAMS.events,
        subject: subjects.event('default', 'job', 'job-2'),
        sequence: bad.seq,
      },
      body: JSON.stringify(malformed),
    });
    expect(held.messages[0]?.reason).toMatch(/^invalid JobRequested data: .*priority/);
  });

  it('does not move past an event it could not quarantine, and moves on once quarantine takes it', async () => {
    await nats.jsm.streams.delete(STREAMS.quarantine);
    const before = await startProjector().checkpoint();
    const bad = await nats.js.publish(
      subjects.event('default', 'job', 'job-5'),
      encode({ ...requested('job-5'), data: {} }),
    );
    const last = await nats.store.append(subjects.event('default', 'job', 'job-6'), [requested('job-6')], 0);

    // The batch holding the bad event fails and is retried from the checkpoint, every half second.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await new JobProjection(ds).checkpoint()).toBe(before);
    expect(await projectedJobs()).not.toContain('job-6');

    await ensureStreams(nats.jsm);
    await eventually(
      async () => ((await new JobProjection(ds).checkpoint()) === last.lastSequence ? true : undefined),
      { what: 'the checkpoint past every event' },
    );
    expect(await projectedJobs()).toContain('job-6');
    const held = await readQuarantine(nats.js, nats.jsm, { consumer: PROJECTOR_CONSUMER });
    expect(held.messages.map((message) => message.origin.sequence)).toEqual([bad.seq]);
  });

  it('beside a second projector, counts in its batch sizes only the events it applied itself', async () => {
    const registries = [new Registry(), new Registry()];
    const projectors = registries.map(
      (metrics) =>
        new Projector(
          nats.store,
          new JobProjection(ds),
          pino({ level: 'silent' }),
          { maxEvents: 5, lingerMs: 5 },
          metrics,
        ),
    );
    projectors.forEach((each) => each.start());
    try {
      let last = 0;
      for (let n = 0; n < 30; n++)
        last = (
          await nats.store.append(subjects.event('default', 'job', `pair-${n}`), [requested(`pair-${n}`)], 0)
        ).lastSequence;
      await eventually(async () => ((await new JobProjection(ds).checkpoint()) === last ? true : undefined), {
        what: 'the checkpoint past every event',
      });
      // Summed over both projectors' /metrics text.
      const total = async (line: RegExp) => {
        let sum = 0;
        for (const metrics of registries)
          for (const [, value] of (await metrics.metrics()).matchAll(line)) sum += Number(value);
        return sum;
      };
      expect(await total(/^aether_projected_events_total\{[^}]*\} (\d+)$/gm)).toBe(30);
      expect(await total(/^aether_projection_batch_size_sum (\d+)$/gm)).toBe(30);
    } finally {
      await Promise.all(projectors.map((each) => each.stop()));
    }
  });
});
