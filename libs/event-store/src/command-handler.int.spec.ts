import {
  JOB_EVENTS,
  MessageRegistry,
  StepCompleted,
  subjects,
  type Envelope,
  type JobEvent,
} from '@aether/contracts';
import { CommandHandler, type Decider } from './command-handler';
import { ConcurrencyError } from './errors';
import { startJetStream, type TestJetStream } from './test-support';

const registry = new MessageRegistry<JobEvent>(JOB_EVENTS);

/** The smallest aggregate: steps counted up to a limit. Each command appends the next step. */
type Next = { readonly id: string; readonly limit: number };
const counter: Decider<Next, number, JobEvent, string> = {
  initialState: 0,
  evolve: (count, event) => (event.type === 'StepCompleted' ? count + 1 : count),
  decide(command, count) {
    if (count >= command.limit) return { ok: false, rejection: `already ${count}` };
    return { ok: true, events: [step(count + 1, command.id)] };
  },
};
const step = (n: number, id?: string) =>
  StepCompleted.create({
    tenantId: 'default',
    aggregateId: 'agg',
    ...(id ? { id } : {}),
    data: { stepKey: `s${n}`, nodeId: `s${n}`, output: null, durationMs: 0 },
  });

describe('CommandHandler on a real nats-server', () => {
  let nats: TestJetStream;
  let n = 0;
  const subject = () => subjects.event('default', 'job', `handled-${n}`);

  beforeAll(async () => {
    nats = await startJetStream('command-handler-test');
  });
  beforeEach(() => n++);
  afterAll(() => nats?.close());

  it('decides on the folded history and appends guarded by the sequence it read, with the id the position names', async () => {
    const handler = new CommandHandler(nats.store, registry, counter);
    const first = await handler.handle(subject(), (seq) => ({ id: `next:${seq}`, limit: 5 }));
    const second = await handler.handle(subject(), (seq) => ({ id: `next:${seq}`, limit: 5 }));
    expect(first).toMatchObject({ kind: 'accepted', state: 1 });
    expect(second).toMatchObject({ kind: 'accepted', state: 2 });
    const history = await nats.store.read(subject(), registry);
    expect(history.events.map((e) => e.event.id)).toEqual(['next:0', `next:${first.lastSequence}`]);
    expect(second.lastSequence).toBe(history.lastSequence);
  });

  it('a refusal appends nothing and says why', async () => {
    const handler = new CommandHandler(nats.store, registry, counter);
    expect(await handler.handle(subject(), () => ({ id: `x${n}`, limit: 0 }))).toMatchObject({
      kind: 'rejected',
      rejection: 'already 0',
      lastSequence: 0,
    });
    expect((await nats.store.read(subject(), registry)).events).toHaveLength(0);
  });

  it('given another writer appending between the read and the append, then it reads again and decides again', async () => {
    let interfered = false;
    const store = {
      read: nats.store.read.bind(nats.store),
      async append(...args: Parameters<typeof nats.store.append>) {
        if (!interfered) {
          interfered = true;
          await nats.store.append(args[0], [step(1)], 'any'); // the other writer
        }
        return nats.store.append(...args);
      },
    };
    const handler = new CommandHandler(store, registry, counter);
    // The first decision (step 1 at sequence 0) conflicts; re-read, step 2 is decided and lands.
    expect(await handler.handle(subject(), (seq) => ({ id: `next:${n}:${seq}`, limit: 5 }))).toMatchObject({
      kind: 'accepted',
      state: 2,
    });
    // With the limit reached meanwhile, the decision after the conflict is a refusal.
    interfered = false;
    n++;
    expect(await handler.handle(subject(), (seq) => ({ id: `next:${n}:${seq}`, limit: 1 }))).toMatchObject({
      kind: 'rejected',
      rejection: 'already 1',
    });
  });

  it('gives up with the ConcurrencyError after its bounded attempts', async () => {
    const store = {
      read: nats.store.read.bind(nats.store),
      async append(...args: Parameters<typeof nats.store.append>) {
        await nats.store.append(args[0], [step(0)], 'any'); // someone always gets there first
        return nats.store.append(...args);
      },
    };
    const handler = new CommandHandler(store, registry, counter, 3);
    await expect(
      handler.handle(subject(), (seq) => ({ id: `c${n}:${seq}`, limit: 100 })),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await nats.store.read(subject(), registry)).events).toHaveLength(3);
  });

  it('a creating command appends without reading first; once the aggregate exists it is decided on its history', async () => {
    let reads = 0;
    const store = {
      read: <E extends Envelope>(subject: string, events: MessageRegistry<E>) => (
        reads++,
        nats.store.read(subject, events)
      ),
      append: nats.store.append.bind(nats.store),
    };
    const handler = new CommandHandler(store, registry, counter);
    expect(
      await handler.handle(subject(), () => ({ id: `create:${n}`, limit: 1 }), { creates: true }),
    ).toMatchObject({
      kind: 'accepted',
      lastSequence: expect.any(Number),
    });
    expect(reads).toBe(0);
    expect(
      await handler.handle(subject(), () => ({ id: `create:${n}:again`, limit: 1 }), { creates: true }),
    ).toMatchObject({ kind: 'rejected', rejection: 'already 1' });
    expect(reads).toBe(1);
  });
});
