import type { EventStore, EventSubscription } from '@aether/event-store';
import { JobRequested, subjects } from '@aether/contracts';
import pino from 'pino';
import type { Dispatcher } from './dispatcher';
import { JOB_FEED_CONSUMER, JobFeed } from './job-feed';

type Delivery = { seq: number; pending: number; events?: number; body?: string };

/** A subscription that delivers `messages`, then stays open (as a live one does) until stopped. */
function subscription(messages: Delivery[]): EventSubscription {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const event = JobRequested.create({
    tenantId: 'default',
    aggregateId: 'job-1',
    data: { workflowId: 'wf', workflowVersion: 1, variables: {}, priority: 10, trigger: { kind: 'manual' } },
  });
  return {
    async *[Symbol.asyncIterator]() {
      for (const { seq, pending, events, body } of messages)
        yield {
          subject: subjects.event('default', 'job', 'job-1'),
          seq,
          // `events`: a commit of that many events stored as one message; `body`: bytes as stored.
          data: new TextEncoder().encode(body ?? JSON.stringify(events ? Array(events).fill(event) : event)),
          info: { pending },
        };
      await stopped;
    },
    stop,
  } as unknown as EventSubscription;
}

function feedOver(messages: Delivery[], quarantine: EventStore['quarantine'] = async () => undefined) {
  const applied: number[] = [];
  const parts: string[] = [];
  let ready = false;
  const dispatcher = {
    onEvent: (_subject: string, seq: number, _event: unknown, part: number) => {
      applied.push(seq);
      parts.push(`${seq}.${part}`);
    },
    markReady: () => void (ready = true),
  } as unknown as Dispatcher;
  const store = {
    subscribe: async (_filter: string, from: number) => subscription(messages.filter((m) => m.seq >= from)),
    quarantine,
  } as unknown as EventStore;
  const feed = new JobFeed(store, dispatcher, pino({ level: 'silent' }));
  return { feed, applied, parts, ready: () => ready };
}

/**
 * The feed's clock is faked: "at once" means before any timer fired, "once the stream stays
 * quiet" after exactly its quiet period, whatever the machine's load.
 */
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());
/** Lets the feed take what was delivered (promises only, no timer fires). */
const settle = () => jest.advanceTimersByTimeAsync(0);

describe('JobFeed: when the dispatcher has caught up with the job events', () => {
  it('given the server reports nothing pending at the tail, then it is caught up at once', async () => {
    const { feed, applied, ready } = feedOver([
      { seq: 1, pending: 1 },
      { seq: 2, pending: 0 },
    ]);
    feed.start(1);
    await settle();
    expect(applied).toEqual([1, 2]);
    expect(ready()).toBe(true);
    await feed.stop();
  });

  it('given a pending count that never reaches zero (nats-server 2.9 overcounts it), then it is caught up once the stream stays quiet', async () => {
    const { feed, applied, ready } = feedOver([
      { seq: 1, pending: 9 },
      { seq: 2, pending: 8 },
    ]);
    feed.start(1);
    await settle();
    expect(applied).toEqual([1, 2]);
    await jest.advanceTimersByTimeAsync(299);
    expect(ready()).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(ready()).toBe(true);
    await feed.stop();
  });

  it('given a commit of several events in one message, then each is applied in order with its place in the commit', async () => {
    const { feed, parts } = feedOver([
      { seq: 1, pending: 2 },
      { seq: 2, pending: 1, events: 2 },
      { seq: 3, pending: 0 },
    ]);
    feed.start(1);
    await settle();
    expect(parts).toEqual(['1.0', '2.0', '2.1', '3.0']);
    await feed.stop();
  });

  it('given nothing to replay, then it is caught up once the stream stays quiet', async () => {
    const { feed, ready } = feedOver([]);
    feed.start(1);
    await settle();
    expect(ready()).toBe(false);
    await jest.advanceTimersByTimeAsync(300);
    expect(ready()).toBe(true);
    await feed.stop();
  });
});

describe('JobFeed: a job event the dispatcher cannot read', () => {
  const unreadable = { seq: 2, pending: 1, body: '{"type":"JobRequested","version":1}' };

  it('is quarantined with the reason, and the events after it are applied', async () => {
    const quarantine = jest.fn(async () => undefined);
    const { feed, applied } = feedOver(
      [{ seq: 1, pending: 2 }, unreadable, { seq: 3, pending: 0 }],
      quarantine,
    );
    feed.start(1);
    await settle();
    expect(applied).toEqual([1, 3]);
    expect(quarantine).toHaveBeenCalledTimes(1);
    expect(quarantine).toHaveBeenCalledWith(
      JOB_FEED_CONSUMER,
      expect.objectContaining({ seq: 2 }),
      expect.stringMatching(/^invalid envelope/),
    );
    await feed.stop();
  });

  it('when quarantine cannot take it, the feed stops there and takes it again when it resubscribes', async () => {
    const quarantine = jest
      .fn<Promise<void>, unknown[]>()
      .mockRejectedValueOnce(new Error('no responders'))
      .mockResolvedValue(undefined);
    const { feed, applied } = feedOver(
      [{ seq: 1, pending: 2 }, unreadable, { seq: 3, pending: 0 }],
      quarantine,
    );
    feed.start(1);
    await settle();
    expect(applied).toEqual([1]);
    await jest.advanceTimersByTimeAsync(499); // the feed waits half a second before it subscribes again
    expect(applied).toEqual([1]);
    await jest.advanceTimersByTimeAsync(1);
    expect(applied).toEqual([1, 3]);
    expect(quarantine).toHaveBeenCalledTimes(2);
    await feed.stop();
  });
});
