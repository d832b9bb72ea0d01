import { QueueItemAdded, QueueItemCompleted, QueueItemStarted } from '@aether/contracts';
import { itemDurationPercentile, itemsAtRisk } from './item-forecast';
import { decideQueueItem, foldQueueItem } from './queue-item';

const id = { tenantId: 'default', aggregateId: 'item-1' };
const at = (iso: string) => ({ occurredAt: iso });
const added = (deadline?: string) =>
  QueueItemAdded.create({
    ...id,
    data: {
      queue: 'orders',
      reference: 'PO-1',
      payload: {},
      priority: 10,
      ...(deadline ? { deadline } : {}),
      maxRetries: 0,
      addedBy: { kind: 'api' },
    },
  });
const t0 = Date.parse('2030-01-01T00:00:00Z');
const iso = (ms: number) => new Date(t0 + ms).toISOString();

describe('item deadlines', () => {
  it('the p95 item duration comes from the finished items, start to completion', () => {
    const finished = [1_000, 2_000, 3_000, 10_000].map((ms) =>
      foldQueueItem([
        added(),
        {
          ...QueueItemStarted.create({ ...id, data: { jobId: 'j', stepKey: 's', robotId: 'r', attempt: 1 } }),
          ...at(iso(0)),
        },
        { ...QueueItemCompleted.create({ ...id, data: { jobId: 'j', output: {} } }), ...at(iso(ms)) },
      ]),
    );
    expect(itemDurationPercentile(finished, 95)).toBe(10_000);
    expect(itemDurationPercentile(finished, 50)).toBe(2_000);
    expect(itemDurationPercentile([foldQueueItem([added()])], 95)).toBeUndefined();
  });

  it('names the waiting items whose predicted finish passes their deadline, given the jobs working the queue', () => {
    const waiting = [iso(10_000), iso(10_000), iso(15_000), undefined, iso(60_000)].map((deadline) =>
      deadline ? { deadline } : {},
    );
    // Two jobs, 6 s an item: finishes at 6, 6, 12, 12, 18 s.
    expect(
      itemsAtRisk(waiting, t0, 2, 6_000).map(({ ahead, predictedFinish }) => [ahead, predictedFinish - t0]),
    ).toEqual([]);
    // One job: 6, 12, 18, 24, 30 s → the second and third miss.
    expect(
      itemsAtRisk(waiting, t0, 1, 6_000).map(({ ahead, predictedFinish }) => [ahead, predictedFinish - t0]),
    ).toEqual([
      [1, 12_000],
      [2, 18_000],
    ]);
  });

  it('raises at-risk once, and a missed deadline once, failing the item when the queue says so', () => {
    const dated = [added(iso(10_000))];
    expect(
      decideQueueItem(foldQueueItem(dated), { type: 'FlagAtRisk', predictedFinish: iso(5_000), ahead: 0 }),
    ).toEqual([]);
    const risk = decideQueueItem(foldQueueItem(dated), {
      type: 'FlagAtRisk',
      predictedFinish: iso(12_000),
      ahead: 3,
    });
    expect(risk).toEqual([
      { type: 'QueueItemAtRisk', data: { deadline: iso(10_000), predictedFinish: iso(12_000), ahead: 3 } },
    ]);
    expect(foldQueueItem(dated).atRisk).toBeUndefined();
    const missed = decideQueueItem(foldQueueItem(dated), {
      type: 'MissDeadline',
      now: iso(11_000),
      consequence: 'fail',
    });
    expect(missed).toEqual([
      { type: 'QueueItemDeadlineMissed', data: { deadline: iso(10_000), consequence: 'fail' } },
    ]);
    expect(
      decideQueueItem(foldQueueItem(dated), { type: 'MissDeadline', now: iso(9_000), consequence: 'fail' }),
    ).toEqual([]);
    expect(
      decideQueueItem(foldQueueItem([added()]), {
        type: 'MissDeadline',
        now: iso(9_000),
        consequence: 'keep',
      }),
    ).toEqual([]);
  });
});
