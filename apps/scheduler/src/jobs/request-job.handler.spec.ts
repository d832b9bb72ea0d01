import type { WorkflowEvent } from '@aether/contracts';
import type { AggregateHistory, EventStore } from '@aether/event-store';
import { VersionLookups } from './request-job.handler';

/** The edge of the unit: a workflow subject whose versions the test publishes, counting lookups. */
function workflowLog() {
  const versions: number[] = [];
  let lookups = 0;
  const store = {
    async lastSequence() {
      lookups++;
      return versions.length;
    },
    async read(): Promise<AggregateHistory<WorkflowEvent>> {
      return {
        events: versions.map((version, i) => ({
          sequence: i + 1,
          subject: 'wf',
          event: { type: 'WorkflowVersionPublished', data: { version } } as WorkflowEvent,
        })),
        invalid: [],
        lastSequence: versions.length,
      };
    },
  } as unknown as EventStore;
  return { store, publish: (version: number) => versions.push(version), lookups: () => lookups };
}

describe('VersionLookups: one lookup for the commands that arrived before it was sent', () => {
  it('given commands arriving together, then they share one lookup', async () => {
    const log = workflowLog();
    log.publish(1);
    const lookups = new VersionLookups(log.store);
    const answers = await Promise.all([1, 2, 3].map(() => lookups.published('default', 'wf')));
    expect(answers).toEqual([[1], [1], [1]]);
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
    expect(await early).toEqual([1]);
    expect(await late).toEqual([1, 2]);
    expect(log.lookups()).toBe(2);
  });
});
