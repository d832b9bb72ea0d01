import { FingerprintRecorded } from '@aether/contracts';
import { HealingQueries } from './healing-queries';
import { JobProjection } from './job-projection';
import { createTestReadModel, type TestReadModel } from './test-support';

const KEY = 'k'.repeat(40);
const recorded = (at: string, version: number) =>
  FingerprintRecorded.create({
    tenantId: 'default',
    aggregateId: KEY,
    occurredAt: new Date(at),
    data: {
      selectorKey: KEY,
      workflowId: 'wf',
      nodeId: 'go',
      selector: 'button',
      fingerprint: { version, selector: 'button', tag: 'button' },
      jobId: `job-${version}`,
      stepKey: 'go',
      robotId: 'r1',
    },
  });

describe('the selectors read model follows a selector’s newest fingerprint (ADR 126)', () => {
  let readModel: TestReadModel;
  let projection: JobProjection;
  let queries: HealingQueries;

  beforeAll(async () => {
    readModel = await createTestReadModel();
    projection = new JobProjection(readModel.dataSource);
    queries = new HealingQueries(readModel.dataSource);
  });
  afterAll(() => readModel?.close());

  it('dates the selector by its newest record, as live and as rebuilt', async () => {
    const events = [recorded('2026-01-01T10:00:00Z', 1), recorded('2026-03-01T10:00:00Z', 2)];
    for (const rebuild of [false, true]) {
      if (rebuild) await projection.reset();
      await projection.apply(events.map((event, i) => ({ sequence: i + 1, event })));
      const selectors = await queries.selectors('default');
      expect(selectors).toHaveLength(1);
      expect(selectors[0]).toMatchObject({ selectorKey: KEY, recordedAt: '2026-03-01T10:00:00.000Z' });
    }
  });
});
