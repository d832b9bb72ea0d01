import {
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { STREAMS, type StreamName } from '@aether/contracts';
import { EventStore, connectNats } from '@aether/event-store';

/**
 * Connects for a command that reads `stream` and closes the connection when `work` is done.
 * A server without the stream is told apart first: reads from a missing stream fail with the
 * client's bare "stream not found", or a direct get with a timeout.
 */
export async function withJetStream<T>(
  natsUrl: string,
  stream: StreamName,
  work: (js: JetStreamClient, jsm: JetStreamManager) => Promise<T>,
): Promise<T> {
  const nc = await connectNats({ servers: natsUrl, name: 'aether-cli' });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.info(stream).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)
        throw new Error(
          `${natsUrl} has no ${stream} stream: Aether's services create it when they first start`,
        );
      throw error;
    });
    return await work(jetstream(nc), jsm);
  } finally {
    await nc.close();
  }
}

/** Opens the event store for a command and closes the connection when `work` is done. */
export function withEventStore<T>(natsUrl: string, work: (store: EventStore) => Promise<T>): Promise<T> {
  return withJetStream(natsUrl, STREAMS.events, (js, jsm) => work(new EventStore(js, jsm)));
}
