import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { EventStore, connectNats } from '@aether/event-store';

export const apiUrl = () => process.env['AETHER_API_URL'] ?? 'http://127.0.0.1:8080';

/** Connects for a command and closes the connection when `work` is done. */
export async function withJetStream<T>(
  natsUrl: string,
  work: (js: JetStreamClient, jsm: JetStreamManager) => Promise<T>,
): Promise<T> {
  const nc = await connectNats({ servers: natsUrl, name: 'aether-cli' });
  try {
    return await work(jetstream(nc), await jetstreamManager(nc));
  } finally {
    await nc.close();
  }
}

/** Opens the event store for a command and closes the connection when `work` is done. */
export function withEventStore<T>(natsUrl: string, work: (store: EventStore) => Promise<T>): Promise<T> {
  return withJetStream(natsUrl, (js, jsm) => work(new EventStore(js, jsm)));
}
