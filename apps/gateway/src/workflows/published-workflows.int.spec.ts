import 'reflect-metadata';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { STREAMS, StepCompleted, subjects } from '@aether/contracts';
import { EventStore, connectNats, ensureStreams } from '@aether/event-store';
import { startNatsServer, type TestNatsServer } from '@aether/testing';
import { parseWorkflow } from '@aether/workflow';
import { publishWorkflowVersion } from './publish-workflow';
import { publishedVersionToRun } from './published-workflows';

const edit = (id: string, version: number) =>
  parseWorkflow({
    id,
    description: `edit ${version}`,
    inputs: { [`input${version}`]: { type: 'string' } },
    nodes: [{ id: 'stop', type: 'stopWithError', params: { message: 'never run' } }],
  });

/**
 * The version a trigger runs is read in a bounded number of direct gets, however many versions
 * the workflow has (ADR 136): the reads are counted on the server, not in the code under test.
 */
describe('published workflow versions on a real nats-server', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let monitor: NatsConnection;
  let store: EventStore;
  const reads = { gets: 0, consumers: 0 };

  /** The direct gets and consumers on EVENTS that `read` makes, with what it answered. */
  const counted = async <T>(read: () => Promise<T>) => {
    await monitor.flush();
    const before = { ...reads };
    const answer = await read();
    await nc.flush();
    await monitor.flush();
    return { answer, gets: reads.gets - before.gets, consumers: reads.consumers - before.consumers };
  };

  /** `versions` versions of `id`, with other aggregates' events between them as a live stream has. */
  const publish = async (id: string, versions: number) => {
    for (let version = 1; version <= versions; version++) {
      await publishWorkflowVersion(store, 'default', edit(id, version));
      for (let other = 0; other < 5; other++)
        await store.append(
          subjects.event('default', 'job', `${id}-${version}-${other}`),
          [
            StepCompleted.create({
              tenantId: 'default',
              aggregateId: `${id}-${version}-${other}`,
              data: { stepKey: 's', nodeId: 's', output: {}, durationMs: 1 },
            }),
          ],
          'any',
        );
    }
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ servers: nats.url, name: 'published-workflows-test' });
    monitor = await connectNats({ servers: nats.url, name: 'published-workflows-monitor' });
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm);
    store = new EventStore(jetstream(nc), jsm);
    const events = STREAMS.events;
    monitor.subscribe(`$JS.API.DIRECT.GET.${events}`, { callback: () => void reads.gets++ });
    monitor.subscribe(`$JS.API.DIRECT.GET.${events}.>`, { callback: () => void reads.gets++ });
    monitor.subscribe(`$JS.API.CONSUMER.CREATE.${events}.>`, { callback: () => void reads.consumers++ });
    monitor.subscribe(`$JS.API.CONSUMER.CREATE.${events}`, { callback: () => void reads.consumers++ });
    await monitor.flush();
    await publish('short', 1);
    await publish('long', 60);
  });

  afterAll(async () => {
    await monitor?.close();
    await nc?.close();
    await nats?.stop();
  });

  it('reads the latest version in one direct get, as many for 60 versions as for 1', async () => {
    const short = await counted(() => publishedVersionToRun(store, 'default', 'short', undefined));
    const long = await counted(() => publishedVersionToRun(store, 'default', 'long', undefined));
    expect(short.answer.version).toBe(1);
    expect(long.answer).toEqual({
      version: 60,
      definition: expect.objectContaining({ description: 'edit 60' }),
    });
    expect([short.gets, long.gets, long.consumers]).toEqual([1, 1, 0]);
  });

  it('finds every older version in at most ⌈log2 s⌉ + 2 gets and no consumer', async () => {
    const latest = await store.lastSequence(subjects.event('default', 'workflow', 'long'));
    const bound = Math.ceil(Math.log2(latest)) + 2;
    for (let version = 1; version <= 60; version++) {
      const { answer, gets, consumers } = await counted(() =>
        publishedVersionToRun(store, 'default', 'long', version),
      );
      expect(answer.definition).toMatchObject({ description: `edit ${version}` });
      expect({ version, consumers, withinBound: gets <= bound }).toEqual({
        version,
        consumers: 0,
        withinBound: true,
      });
    }
  });

  it('sees a version the moment its publish is answered', async () => {
    for (let version = 2; version <= 6; version++) {
      await publishWorkflowVersion(store, 'default', edit('short', version));
      expect((await publishedVersionToRun(store, 'default', 'short', undefined)).version).toBe(version);
      expect((await publishedVersionToRun(store, 'default', 'short', version)).version).toBe(version);
    }
  });

  it('answers 404 for a version the workflow does not have, and for a workflow never published', async () => {
    for (const version of [0, 61])
      await expect(publishedVersionToRun(store, 'default', 'long', version)).rejects.toThrow(
        `workflow long has no version ${version}`,
      );
    await expect(publishedVersionToRun(store, 'acme', 'long', undefined)).rejects.toThrow(
      'workflow long not found',
    );
  });
});
