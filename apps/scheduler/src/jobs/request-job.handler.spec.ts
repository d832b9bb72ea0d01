import pino from 'pino';
import { RequestJob, WorkflowVersionPublished, subjects, type WorkflowEvent } from '@aether/contracts';
import type { AggregateHistory, EventStore } from '@aether/event-store';
import { InMemoryEventStore } from '@aether/event-store/test-support';
import { VersionLookups } from '../workflows/published-versions';
import { requestJobRoute } from './request-job.handler';

/** The edge of the unit: a workflow subject whose versions the test publishes, counting lookups and reads. */
function workflowLog() {
  const versions: number[] = [];
  let lookups = 0;
  let historyReads = 0;
  let gets = 0;
  const stored = (version: number, i: number) => ({
    sequence: i + 1,
    subject: 'wf',
    event: {
      type: 'WorkflowVersionPublished',
      data: { version, definition: { nodes: [{ id: 'a', type: 'browser.goto' }] } },
    } as unknown as WorkflowEvent,
  });
  const store = {
    async lastSequence() {
      lookups++;
      return versions.length;
    },
    async read(): Promise<AggregateHistory<WorkflowEvent>> {
      historyReads++;
      return { events: versions.map(stored), invalid: [], lastSequence: versions.length };
    },
    async nextCommit(_subject: string, _registry: unknown, from: number) {
      gets++;
      const version = versions[from - 1];
      return version === undefined ? null : { sequence: from, events: [stored(version, from - 1)] };
    },
  } as unknown as EventStore;
  return {
    store,
    publish: (version: number) => versions.push(version),
    lookups: () => lookups,
    reads: () => ({ historyReads, gets }),
  };
}

describe('VersionLookups: one lookup for the commands that arrived before it was sent', () => {
  it('given commands arriving together, then they share one lookup', async () => {
    const log = workflowLog();
    log.publish(1);
    const lookups = new VersionLookups(log.store);
    const answers = await Promise.all([1, 2, 3].map(() => lookups.published('default', 'wf')));
    const v1 = {
      version: 1,
      needs: { browser: true, desktop: false },
      definition: { nodes: [{ id: 'a', type: 'browser.goto' }] },
    };
    expect(answers).toEqual([[v1], [v1], [v1]]);
    expect(log.lookups()).toBe(1);
  });

  it('given a version published while a lookup is on its way, then a command arriving after it sees the version', async () => {
    const log = workflowLog();
    log.publish(1);
    const lookups = new VersionLookups(log.store);
    const early = lookups.published('default', 'wf');
    await new Promise((resolve) => setImmediate(resolve)); // the first lookup has been sent
    log.publish(2);
    const late = lookups.published('default', 'wf');
    expect((await early).map((p) => p.version)).toEqual([1]);
    expect((await late).map((p) => p.version)).toEqual([1, 2]);
    expect(log.lookups()).toBe(2);
  });

  it('given versions published after a lookup, then the next lookup reads them alone, not the history', async () => {
    const log = workflowLog();
    for (let version = 1; version <= 40; version++) log.publish(version);
    const lookups = new VersionLookups(log.store);
    expect(await lookups.published('default', 'wf')).toHaveLength(40);
    log.publish(41);
    log.publish(42);
    const versions = (await lookups.published('default', 'wf')).map((p) => p.version);
    expect(versions).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
    expect(log.reads()).toEqual({ historyReads: 1, gets: 2 });
  });
});

describe('requestJobRoute: RequestJob through the job decider', () => {
  const logger = pino({ level: 'silent' });
  const request = (id: string, workflowVersion?: number) =>
    RequestJob.create({
      tenantId: 'default',
      aggregateId: 'j1',
      id,
      data: {
        workflowId: 'wf',
        variables: {},
        priority: 10,
        trigger: { kind: 'api' },
        ...(workflowVersion ? { workflowVersion } : {}),
      },
    });
  const jobLog = subjects.event('default', 'job', 'j1');
  const delivery = { subject: 'c', sequence: 1, deliveryCount: 1, working: () => undefined };

  async function published(...versions: number[]) {
    const store = new InMemoryEventStore();
    for (const version of versions)
      await store.append(
        subjects.event('default', 'workflow', 'wf'),
        [
          WorkflowVersionPublished.create({
            tenantId: 'default',
            aggregateId: 'wf',
            data: {
              version,
              definition: { nodes: [{ id: 'a', type: version === 2 ? 'desktop.click' : 'data.set' }] },
            },
          }),
        ],
        'any',
      );
    return store;
  }

  it('given published versions, then the job is requested pinned to the latest, under the command id, with its needs', async () => {
    const store = await published(1, 2);
    await requestJobRoute(store as unknown as EventStore, logger).handle(request('cmd-1'), delivery);
    expect(store.events(jobLog)).toEqual([
      expect.objectContaining({
        id: 'cmd-1',
        type: 'JobRequested',
        data: expect.objectContaining({ workflowVersion: 2, needs: { browser: false, desktop: true } }),
      }),
    ]);
  });

  it('given a command redelivered, or a second one for the same job, then one job is started', async () => {
    const store = await published(1);
    const route = requestJobRoute(store as unknown as EventStore, logger);
    await route.handle(request('cmd-1'), delivery);
    await route.handle(request('cmd-2'), delivery);
    expect(store.events(jobLog).map((event) => event.id)).toEqual(['cmd-1']);
  });

  it('given a version never published, then the job is rejected', async () => {
    const store = await published(1);
    await requestJobRoute(store as unknown as EventStore, logger).handle(request('cmd-1', 5), delivery);
    expect(store.events(jobLog)).toEqual([
      expect.objectContaining({
        type: 'JobRejected',
        data: { workflowId: 'wf', reason: 'workflow wf has no version 5' },
      }),
    ]);
  });
});
