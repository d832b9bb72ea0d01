import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type TestNatsServer } from '@aether/testing';
import { connectNats } from './connection';
import { STREAMS, type Envelope } from '@aether/contracts';
import { ConcurrencyError } from './errors';
import {
  EventStore,
  type AggregateHistory,
  type AppendResult,
  type ExpectedSequence,
  type StoredCommit,
} from './event-store';
import { ensureStreams } from './streams';

/** A suite's own nats-server with Aether's streams, and one connection to it as services make. */
export interface TestJetStream {
  readonly server: TestNatsServer;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly store: EventStore;
  /** Closes the connection, then stops the server and deletes its store. */
  close(): Promise<void>;
}

/** Starts a nats-server for one integration suite; `name` shows in its connection list. */
export async function startJetStream(name: string): Promise<TestJetStream> {
  const server = await startNatsServer();
  try {
    const nc = await connectNats({ servers: server.url, name });
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm);
    const close = async () => {
      await nc.close();
      await server.stop();
    };
    return { server, nc, js, jsm, store: new EventStore(js, jsm, STREAMS.events, { connection: nc }), close };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * The event store's read and append in memory, for unit specs of the services that write through
 * it: one commit per append, sequences shared by all subjects like a stream's, the expected
 * sequence checked as nats-server checks it — after the message id: a commit whose first event's
 * id is stored already is answered as that commit, a duplicate, whatever was expected (ADR 103).
 * `beforeAppend` lets a spec put another writer's append in between a read and an append.
 */
export class InMemoryEventStore implements Pick<
  EventStore,
  'read' | 'append' | 'lastSequence' | 'lastCommit' | 'nextCommit'
> {
  private sequence = 0;
  private readonly commits: { subject: string; sequence: number; events: readonly Envelope[] }[] = [];
  beforeAppend?: (subject: string) => void | Promise<unknown>;

  async read<TEvent extends Envelope>(subject: string): Promise<AggregateHistory<TEvent>> {
    const mine = this.commits.filter((commit) => commit.subject === subject);
    return {
      events: mine.flatMap(({ sequence, events }) =>
        events.map((event) => ({ sequence, subject, event: event as TEvent })),
      ),
      invalid: [],
      lastSequence: mine.at(-1)?.sequence ?? 0,
    };
  }

  async lastCommit<TEvent extends Envelope>(subject: string): Promise<StoredCommit<TEvent> | null> {
    return this.commitOf(subject, this.commits.filter((commit) => commit.subject === subject).at(-1));
  }

  async nextCommit<TEvent extends Envelope>(
    subject: string,
    _registry: unknown,
    from: number,
  ): Promise<StoredCommit<TEvent> | null> {
    return this.commitOf(
      subject,
      this.commits.find((commit) => commit.subject === subject && commit.sequence >= from),
    );
  }

  private commitOf<TEvent extends Envelope>(
    subject: string,
    commit: { sequence: number; events: readonly Envelope[] } | undefined,
  ): StoredCommit<TEvent> | null {
    if (!commit) return null;
    const { sequence, events } = commit;
    return { sequence, events: events.map((event) => ({ sequence, subject, event: event as TEvent })) };
  }

  async lastSequence(subject: string): Promise<number> {
    return (await this.read(subject)).lastSequence;
  }

  async append(
    subject: string,
    events: readonly Envelope[],
    expected: ExpectedSequence,
  ): Promise<AppendResult> {
    await this.beforeAppend?.(subject);
    const stored = this.commits.find((commit) => commit.events[0].id === events[0].id);
    if (stored) return { lastSequence: stored.sequence, duplicate: true };
    const last = await this.lastSequence(subject);
    if (expected !== 'any' && expected !== last) throw new ConcurrencyError(subject, expected, last);
    this.commits.push({ subject, sequence: ++this.sequence, events });
    return { lastSequence: this.sequence, duplicate: false };
  }

  /** Every event on `subject`, in order. */
  events(subject: string): Envelope[] {
    return this.commits
      .filter((commit) => commit.subject === subject)
      .flatMap((commit) => [...commit.events]);
  }
}
