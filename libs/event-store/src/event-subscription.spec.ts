import type { ConsumerMessages, ConsumerNotification, JsMsg } from '@nats-io/jetstream';
import { eventually } from '@aether/testing';
import { EventSubscription, shouldResume, type ResumeNotice } from './event-subscription';

/** A consumer's messages that deliver `sequences`, then wait; `missHeartbeats` reports silence. */
function fakeConsumer(sequences: number[]) {
  const queue = sequences.map((seq) => ({ seq }) as JsMsg);
  const statuses: ConsumerNotification[] = [];
  const waiters: (() => void)[] = [];
  let stopped = false;
  const wake = () => waiters.splice(0).forEach((resolve) => resolve());
  const wait = () => new Promise<void>((resolve) => waiters.push(resolve));
  async function* drain<T>(items: T[]): AsyncGenerator<T> {
    while (!stopped) {
      const item = items.shift();
      if (item) yield item;
      else await wait();
    }
  }
  const messages = {
    [Symbol.asyncIterator]: () => drain(queue),
    status: () => ({ [Symbol.asyncIterator]: () => drain(statuses) }),
    stop: () => {
      stopped = true;
      wake();
    },
  } as unknown as ConsumerMessages;
  return {
    messages,
    missHeartbeats(count = 2) {
      statuses.push({ type: 'heartbeats_missed', count });
      wake();
    },
    get stopped() {
      return stopped;
    },
  };
}

function read(subscription: EventSubscription) {
  const seen: number[] = [];
  const done = (async () => {
    for await (const message of subscription) seen.push(message.seq);
  })();
  return { seen, done };
}

describe('shouldResume', () => {
  it('leaves a consumer after two missed heartbeats, not before', () => {
    expect(shouldResume({ type: 'heartbeats_missed', count: 2 })).toBe(true);
    expect(shouldResume({ type: 'heartbeats_missed', count: 5 })).toBe(true);
    expect(shouldResume({ type: 'heartbeats_missed', count: 1 })).toBe(false);
  });

  it('leaves to nats.js what it repairs itself', () => {
    expect(shouldResume({ type: 'reset', name: 'c_2' })).toBe(false);
    expect(shouldResume({ type: 'ordered_consumer_recreated', name: 'c_2' })).toBe(false);
    expect(shouldResume({ type: 'consumer_not_found', name: 'c', stream: 'S', count: 1 })).toBe(false);
  });
});

describe('EventSubscription', () => {
  it('moves to a new consumer right after the last message yielded when heartbeats stop', async () => {
    const first = fakeConsumer([1, 2]);
    const second = fakeConsumer([3, 4]);
    const open = jest.fn(() => Promise.resolve(second.messages));
    const notices: ResumeNotice[] = [];
    const subscription = new EventSubscription(first.messages, 1, open, (notice) => notices.push(notice));
    const reading = read(subscription);
    await eventually(() => (reading.seen.length === 2 ? true : undefined));

    first.missHeartbeats();
    await eventually(() => (reading.seen.length === 4 ? true : undefined));
    subscription.stop();
    await reading.done;

    expect(reading.seen).toEqual([1, 2, 3, 4]);
    expect(open).toHaveBeenCalledTimes(1);
    expect(open).toHaveBeenCalledWith(3);
    expect(first.stopped).toBe(true);
    expect(second.stopped).toBe(true);
    expect(notices).toEqual([{ from: 3 }]);
  });

  it('starts again at its start time while nothing was yielded, then after the last message', async () => {
    const since = new Date('2026-12-06T20:00:00Z');
    const first = fakeConsumer([]);
    const second = fakeConsumer([40]);
    const third = fakeConsumer([41]);
    const open = jest.fn().mockResolvedValueOnce(second.messages).mockResolvedValueOnce(third.messages);
    const notices: ResumeNotice[] = [];
    const subscription = new EventSubscription(first.messages, since, open, (notice) => notices.push(notice));
    const reading = read(subscription);

    first.missHeartbeats();
    await eventually(() => (reading.seen.length === 1 ? true : undefined));
    second.missHeartbeats();
    await eventually(() => (reading.seen.length === 2 ? true : undefined));
    subscription.stop();
    await reading.done;

    expect(reading.seen).toEqual([40, 41]);
    expect(open.mock.calls).toEqual([[since], [41]]);
    expect(notices).toEqual([{ from: since }, { from: 41 }]);
  });

  it('keeps trying to create the new consumer, and tells of each failure', async () => {
    const first = fakeConsumer([7]);
    const second = fakeConsumer([8]);
    const refused = new Error('no meta leader');
    const open = jest.fn().mockRejectedValueOnce(refused).mockResolvedValueOnce(second.messages);
    const notices: ResumeNotice[] = [];
    const subscription = new EventSubscription(first.messages, 7, open, (notice) => notices.push(notice));
    const reading = read(subscription);
    await eventually(() => (reading.seen.length === 1 ? true : undefined));

    first.missHeartbeats();
    await eventually(() => (reading.seen.length === 2 ? true : undefined), { timeoutMs: 5_000 });
    subscription.stop();
    await reading.done;

    expect(reading.seen).toEqual([7, 8]);
    expect(open.mock.calls).toEqual([[8], [8]]);
    expect(notices).toEqual([{ from: 8 }, { from: 8, error: refused }]);
  });

  it('gives up on a consumer that is not created in time, and stops it if it comes late', async () => {
    const first = fakeConsumer([1]);
    const late = fakeConsumer([2]);
    const second = fakeConsumer([2]);
    let arrive: (messages: ConsumerMessages) => void = () => undefined;
    const open = jest
      .fn()
      .mockReturnValueOnce(new Promise<ConsumerMessages>((resolve) => (arrive = resolve)))
      .mockResolvedValueOnce(second.messages);
    const notices: ResumeNotice[] = [];
    const subscription = new EventSubscription(first.messages, 1, open, (notice) => notices.push(notice));
    const reading = read(subscription);
    await eventually(() => (reading.seen.length === 1 ? true : undefined));

    first.missHeartbeats();
    await eventually(() => (reading.seen.length === 2 ? true : undefined), { timeoutMs: 5_000 });
    arrive(late.messages);
    await eventually(() => (late.stopped ? true : undefined));
    subscription.stop();
    await reading.done;

    expect(reading.seen).toEqual([1, 2]);
    expect(notices.map((notice) => String(notice.error ?? ''))).toEqual([
      '',
      'ReopenTimeoutError: no new consumer within 2000 ms',
    ]);
  });

  it('ends without a new consumer when stopped, or when heartbeats are only late', async () => {
    const first = fakeConsumer([1]);
    const open = jest.fn();
    const subscription = new EventSubscription(first.messages, 1, open);
    const reading = read(subscription);
    await eventually(() => (reading.seen.length === 1 ? true : undefined));

    first.missHeartbeats(1);
    subscription.stop();
    await reading.done;

    expect(reading.seen).toEqual([1]);
    expect(open).not.toHaveBeenCalled();
  });
});
