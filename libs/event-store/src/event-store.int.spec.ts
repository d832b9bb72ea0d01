import {
  JOB_EVENTS,
  MessageRegistry,
  STREAMS,
  StepCompleted,
  subjects,
  type JobEvent,
} from '@aether/contracts';
import { ConcurrencyError } from './errors';
import { jetstream } from '@nats-io/jetstream';
import { connectNats } from './connection';
import { serveEventReads, type EventReadReply, type EventReadRequest } from './event-reads';
import { EventStore, type StoredCommit } from './event-store';
import { ensureConsumer, ensureStreams, retireConsumer, streamConfigs } from './streams';
import { startJetStream, type TestJetStream } from './test-support';

const registry = new MessageRegistry<JobEvent>(JOB_EVENTS);

const step = (jobId: string, n: number, id?: string) =>
  StepCompleted.create({
    tenantId: 'default',
    aggregateId: jobId,
    id,
    data: { stepKey: `s${n}`, nodeId: `s${n}`, output: { n }, durationMs: n },
  });

describe('EventStore on a real nats-server', () => {
  let nats: TestJetStream;

  beforeAll(async () => {
    nats = await startJetStream('event-store-test');
  });
  afterAll(() => nats?.close());

  it('creates the streams idempotently', async () => {
    await ensureStreams(nats.jsm);
    const names = (await nats.jsm.streams.names().next()).sort();
    expect(names).toEqual(
      streamConfigs()
        .map((c) => c.name)
        .sort(),
    );
  });

  it('retires a durable consumer that is there, and one that is already gone', async () => {
    await ensureConsumer(nats.jsm, STREAMS.events, {
      durable_name: 'retired',
      filter_subject: subjects.eventsOf('job'),
    });
    await retireConsumer(nats.jsm, STREAMS.events, 'retired');
    const durables = [];
    for await (const info of nats.jsm.consumers.list(STREAMS.events)) durables.push(info.name);
    expect(durables).not.toContain('retired');
    await expect(retireConsumer(nats.jsm, STREAMS.events, 'retired')).resolves.toBeUndefined();
  });

  it('reads an aggregate back in order, with its last sequence', async () => {
    const subject = subjects.event('default', 'job', 'ordered');
    const { lastSequence } = await nats.store.append(
      subject,
      [step('ordered', 1), step('ordered', 2), step('ordered', 3)],
      0,
    );
    // an event on another aggregate must not leak into this history
    await nats.store.append(subjects.event('default', 'job', 'other'), [step('other', 9)], 0);

    const history = await nats.store.read(subject, registry);
    expect(history.lastSequence).toBe(lastSequence);
    expect(history.events.map((e) => (e.event.data as { stepKey: string }).stepKey)).toEqual([
      's1',
      's2',
      's3',
    ]);
    expect(history.invalid).toEqual([]);
  });

  it('stores the events of one append as one commit: one message, one sequence, retried as a whole', async () => {
    const subject = subjects.event('default', 'job', 'commit');
    const first = await nats.store.append(subject, [step('commit', 1)], 0);
    const before = (await nats.jsm.streams.info(STREAMS.events)).state.messages;
    const commit = [step('commit', 2), step('commit', 3)];
    const { lastSequence } = await nats.store.append(subject, commit, first.lastSequence);
    expect((await nats.jsm.streams.info(STREAMS.events)).state.messages).toBe(before + 1);
    await expect(nats.store.append(subject, commit, 'any')).resolves.toEqual({
      lastSequence,
      duplicate: true,
    });

    const history = await nats.store.read(subject, registry);
    expect(history.events.map((e) => [e.sequence, e.event.id])).toEqual([
      [first.lastSequence, expect.any(String)],
      [lastSequence, commit[0].id],
      [lastSequence, commit[1].id],
    ]);
    expect(history.lastSequence).toBe(lastSequence);
    // A commit that lost the race stores none of its events.
    await expect(
      nats.store.append(subject, [step('commit', 4), step('commit', 5)], first.lastSequence),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await nats.store.read(subject, registry)).events).toHaveLength(3);
  });

  it('reports a commit with one invalid event as invalid as a whole', async () => {
    const subject = subjects.event('default', 'job', 'bad-commit');
    const good = step('bad-commit', 1);
    const bad = { ...step('bad-commit', 2), data: { stepKey: 7 } };
    const ack = await nats.js.publish(subject, JSON.stringify([good, bad]));
    const history = await nats.store.read(subject, registry);
    expect(history.events).toEqual([]);
    expect(history.invalid).toEqual([
      {
        sequence: ack.seq,
        subject,
        reason: expect.stringMatching(/^event 2 of 2: invalid StepCompleted data/),
      },
    ]);
  });

  it('reads a history interleaved with other aggregates, and a single-event one', async () => {
    const mine = subjects.event('default', 'job', 'interleaved');
    const theirs = subjects.event('default', 'job', 'neighbour');
    let expected = 0;
    let other = 0;
    for (let n = 1; n <= 4; n++) {
      expected = (await nats.store.append(mine, [step('interleaved', n)], expected)).lastSequence;
      other = (await nats.store.append(theirs, [step('neighbour', n)], other)).lastSequence;
    }
    const history = await nats.store.read(mine, registry);
    expect(history.events.map((e) => e.sequence)).toEqual([
      expected - 6,
      expected - 4,
      expected - 2,
      expected,
    ]);
    expect(history.lastSequence).toBe(expected);
    const single = subjects.event('default', 'job', 'single');
    const { lastSequence } = await nats.store.append(single, [step('single', 1)], 0);
    expect((await nats.store.read(single, registry)).events.map((e) => e.sequence)).toEqual([lastSequence]);
  });

  it('reads a history too long for direct gets through a consumer, without a gap or a repeat', async () => {
    const subject = subjects.event('default', 'job', 'long');
    let expected = 0;
    for (let n = 1; n <= 40; n++) {
      expected = (await nats.store.append(subject, [step('long', n)], expected)).lastSequence;
      if (n % 3 === 0)
        await nats.store.append(subjects.event('default', 'job', `beside-${n}`), [step('beside', n)], 0);
    }
    const history = await nats.store.read(subject, registry);
    expect(history.events.map((e) => (e.event.data as { stepKey: string }).stepKey)).toEqual(
      Array.from({ length: 40 }, (_, i) => `s${i + 1}`),
    );
    expect(history.lastSequence).toBe(expected);
  });

  it('reads a history through the services, in pages, without a consumer', async () => {
    const subject = subjects.event('default', 'job', 'long-through');
    let expected = 0;
    // 40 events of ~20 kB: more than one 256 kB page.
    const bulky = (n: number) =>
      StepCompleted.create({
        tenantId: 'default',
        aggregateId: 'long-through',
        data: { stepKey: `s${n}`, nodeId: `s${n}`, output: { pad: 'x'.repeat(20_000) }, durationMs: n },
      });
    for (let n = 1; n <= 40; n++) {
      expected = (await nats.store.append(subject, [bulky(n)], expected)).lastSequence;
      if (n % 3 === 0)
        await nats.store.append(
          subjects.event('default', 'job', `through-beside-${n}`),
          [step('beside', n)],
          0,
        );
    }
    const responder = serveEventReads(nats.nc, nats.jsm, (error) => {
      throw error;
    });
    const asker = await connectNats({ servers: nats.server.url, name: 'robot-reading-through' });
    const pages: number[] = [];
    asker.subscribe(subjects.eventRead('default'), {
      callback: () => {
        pages.push(1);
      },
    });
    try {
      const consumersBefore = (await nats.jsm.consumers.list(STREAMS.events).next()).length;
      const store = new EventStore(jetstream(asker), nats.jsm, STREAMS.events, { readThrough: asker });
      const history = await store.read(subject, registry);
      expect(history.events.map((e) => (e.event.data as { stepKey: string }).stepKey)).toEqual(
        Array.from({ length: 40 }, (_, i) => `s${i + 1}`),
      );
      expect(history.lastSequence).toBe(expected);
      expect(pages.length).toBeGreaterThan(1);
      expect((await nats.jsm.consumers.list(STREAMS.events).next()).length).toBe(consumersBefore);
      expect(await store.read(subjects.event('default', 'job', 'nothing-here'), registry)).toEqual({
        events: [],
        invalid: [],
        lastSequence: 0,
      });
    } finally {
      await asker.close();
      responder.unsubscribe();
    }
  });

  it('asks again at once, when the connection is back, for a history read through the services that the server lost (ADR 124)', async () => {
    const subject = subjects.event('default', 'job', 'read-across-restart');
    await nats.store.append(subject, [step('read-across-restart', 1), step('read-across-restart', 2)], 0);
    const responder = serveEventReads(nats.nc, nats.jsm, () => undefined);
    const asker = await connectNats({ servers: nats.server.url, name: 'robot-reading-across-a-restart' });
    try {
      const store = new EventStore(jetstream(asker), nats.jsm, STREAMS.events, { readThrough: asker });
      await store.read(subject, registry); // the services answer
      // The read leaves while the server is down: the client buffers it and drops the buffer when it
      // dials again, so nobody ever answers that request.
      await nats.server.kill();
      const reading = store.read(subject, registry);
      reading.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await nats.server.restart();
      const back = Date.now();

      const history = await reading;
      expect(history.events.map((e) => (e.event.data as { stepKey: string }).stepKey)).toEqual(['s1', 's2']);
      expect(Date.now() - back).toBeLessThan(3_000); // not the read's 10 s time-out
    } finally {
      await asker.close();
      responder.unsubscribe();
    }
  }, 20_000);

  it('waits for a service to answer history reads when none listens yet, as after a restart (ADR 124)', async () => {
    const subject = subjects.event('default', 'job', 'read-before-services');
    await nats.store.append(subject, [step('read-before-services', 1)], 0);
    const asker = await connectNats({ servers: nats.server.url, name: 'robot-reading-early' });
    let responder: ReturnType<typeof serveEventReads> | undefined;
    const late = setTimeout(() => (responder = serveEventReads(nats.nc, nats.jsm, () => undefined)), 300);
    try {
      const store = new EventStore(jetstream(asker), nats.jsm, STREAMS.events, { readThrough: asker });
      const history = await store.read(subject, registry);
      expect(history.events.map((e) => (e.event.data as { stepKey: string }).stepKey)).toEqual(['s1']);
      expect(responder).toBeDefined();
    } finally {
      clearTimeout(late);
      responder?.unsubscribe();
      await asker.close();
    }
  });

  it.each([
    ['another tenant’s subject', subjects.event('other', 'job', 'x')],
    ['a wildcard', 'aether.evt.default.job.*'],
    ['a subject that is not an event’s', 'aether.cmd.default.RequestJob'],
  ])('refuses to read %s for a tenant', async (_what, subject) => {
    const responder = serveEventReads(nats.nc, nats.jsm, (error) => {
      throw error;
    });
    try {
      const answer = await nats.nc.request(
        subjects.eventRead('default'),
        JSON.stringify({ subject, fromSequence: 1 } satisfies EventReadRequest),
      );
      expect(answer.json<EventReadReply>()).toEqual({ refused: expect.any(String) });
    } finally {
      responder.unsubscribe();
    }
  });

  it('turns direct gets on for an EVENTS stream created without them', async () => {
    const events = streamConfigs().find((config) => config.allow_direct);
    await nats.jsm.streams.update(events!.name!, { ...events, allow_direct: false });
    await ensureStreams(nats.jsm);
    expect((await nats.jsm.streams.info(events!.name!)).config.allow_direct).toBe(true);
    expect(
      (await nats.store.read(subjects.event('default', 'job', 'ordered'), registry)).events,
    ).toHaveLength(3);
  });

  it('reads an empty aggregate as no events and sequence 0', async () => {
    expect(await nats.store.read(subjects.event('default', 'job', 'none'), registry)).toEqual({
      events: [],
      invalid: [],
      lastSequence: 0,
    });
  });

  it('reads one commit: the last on a subject, or the first at a sequence or after', async () => {
    const subject = subjects.event('default', 'job', 'one-commit');
    const other = subjects.event('default', 'job', 'one-commit-other');
    const first = await nats.store.append(subject, [step('one-commit', 1)], 0);
    await nats.store.append(other, [step('one-commit-other', 1)], 0);
    const last = await nats.store.append(
      subject,
      [step('one-commit', 2), step('one-commit', 3)],
      first.lastSequence,
    );
    const stepKeys = (commit: StoredCommit<JobEvent> | null) =>
      commit?.events.map(({ event }) => (event.data as { stepKey: string }).stepKey);

    const newest = await nats.store.lastCommit(subject, registry);
    expect(newest?.sequence).toBe(last.lastSequence);
    expect(stepKeys(newest)).toEqual(['s2', 's3']);
    expect(stepKeys(await nats.store.nextCommit(subject, registry, 1))).toEqual(['s1']);
    expect((await nats.store.nextCommit(subject, registry, first.lastSequence + 1))?.sequence).toBe(
      last.lastSequence,
    );
    expect(await nats.store.nextCommit(subject, registry, last.lastSequence + 1)).toBeNull();
    expect(await nats.store.lastCommit(subjects.event('default', 'job', 'none'), registry)).toBeNull();

    const garbage = subjects.event('default', 'job', 'one-commit-garbage');
    await nats.js.publish(garbage, new TextEncoder().encode('{"type":"nope"}'));
    expect(await nats.store.lastCommit(garbage, registry)).toEqual({
      sequence: expect.any(Number),
      events: [],
      invalid: expect.objectContaining({
        subject: garbage,
        reason: expect.stringMatching(/invalid envelope/),
      }),
    });
  });

  it('lets exactly one of two concurrent writers with the same expected sequence win', async () => {
    const subject = subjects.event('default', 'job', 'race');
    const { lastSequence } = await nats.store.append(subject, [step('race', 1)], 0);

    const results = await Promise.allSettled([
      nats.store.append(subject, [step('race', 2)], lastSequence),
      nats.store.append(subject, [step('race', 3)], lastSequence),
    ]);

    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toBeInstanceOf(ConcurrencyError);
    expect((lost[0].reason as ConcurrencyError).expected).toBe(lastSequence);
    expect((await nats.store.read(subject, registry)).events).toHaveLength(2);
  });

  it('rejects a first append when the aggregate already exists', async () => {
    const subject = subjects.event('default', 'job', 'exists');
    await nats.store.append(subject, [step('exists', 1)], 0);
    await expect(nats.store.append(subject, [step('exists', 2)], 0)).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('does not append a duplicate message id twice', async () => {
    const subject = subjects.event('default', 'job', 'dedupe');
    const event = step('dedupe', 1, 'fixed-id-1');
    const first = await nats.store.append(subject, [event], 0);
    const again = await nats.store.append(subject, [event], 'any');

    expect(again).toEqual({ lastSequence: first.lastSequence, duplicate: true });
    expect((await nats.store.read(subject, registry)).events).toHaveLength(1);
  });

  it('answers a known message id as that commit, a duplicate, before it checks the expected sequence (ADR 103)', async () => {
    // So an id must name one writer's attempt: another writer's different commit under the same
    // id is "acknowledged" however stale its expected sequence, and is never stored.
    const subject = subjects.event('default', 'job', 'dedupe-first');
    const first = await nats.store.append(subject, [step('dedupe-first', 1, 'shared-id')], 0);
    await nats.store.append(subject, [step('dedupe-first', 2)], first.lastSequence);

    const other = await nats.store.append(subject, [step('dedupe-first', 3, 'shared-id')], 0);

    expect(other).toEqual({ lastSequence: first.lastSequence, duplicate: true });
    const stored = (await nats.store.read(subject, registry)).events.map(
      ({ event }) => (event.data as { stepKey?: string }).stepKey,
    );
    expect(stored).toEqual(['s1', 's2']);
  });

  it('subscribes from a stream sequence', async () => {
    const subject = subjects.event('default', 'job', 'sub');
    let lastSequence = 0;
    for (let n = 1; n <= 3; n++)
      lastSequence = (await nats.store.append(subject, [step('sub', n)], lastSequence)).lastSequence;
    const subscription = await nats.store.subscribe(subject, lastSequence - 1);
    const seen: number[] = [];
    for await (const message of subscription) {
      seen.push(message.seq);
      if (message.seq === lastSequence) break;
    }
    subscription.stop();
    expect(seen).toEqual([lastSequence - 1, lastSequence]);
  });

  it('keeps invalid events out of a history and reports them', async () => {
    const subject = subjects.event('default', 'job', 'garbage');
    await nats.js.publish(subject, new TextEncoder().encode('{"type":"nope"}'));
    const history = await nats.store.read(subject, registry);
    expect(history.events).toEqual([]);
    expect(history.invalid).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/invalid envelope/) }),
    ]);
  });
});
