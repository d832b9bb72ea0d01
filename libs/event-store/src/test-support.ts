import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, type TestNatsServer } from '@aether/testing';
import { connectNats } from './connection';
import { EventStore } from './event-store';
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
    return { server, nc, js, jsm, store: new EventStore(js, jsm), close };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
