import type { NatsConnection } from '@nats-io/transport-node';

const resend = Symbol('resend');

/** Per connection: what to tell at its next reconnect. Each caller removes itself when answered. */
const watchers = new WeakMap<NatsConnection, Set<() => void>>();

function reconnectListeners(nc: NatsConnection): Set<() => void> {
  const known = watchers.get(nc);
  if (known) return known;
  const listeners = new Set<() => void>();
  watchers.set(nc, listeners);
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'reconnect') for (const listener of [...listeners]) listener();
    }
  })();
  return listeners;
}

/**
 * Sends a request again each time the connection reconnects before it was answered, and answers
 * with the first attempt that settles within one connection.
 *
 * nats.js v3 keeps a request waiting for its reply until its own timeout (5 s for JetStream)
 * even when the request left into a socket that died, or was buffered while disconnected: the
 * buffer is dropped when the client dials again (`resetOutbound`), and the server sends a reply
 * only to the connection that asked. `retries` sends again only after a timeout or "no
 * responders", and no request option covers a reconnect. Use it only for requests that are safe to repeat: a JetStream publish
 * with a `msgID`, which the server de-duplicates, is.
 */
export async function resentOnReconnect<T>(nc: NatsConnection, send: () => Promise<T>): Promise<T> {
  const listeners = reconnectListeners(nc);
  for (;;) {
    let onReconnect = () => undefined as void;
    const reconnected = new Promise<typeof resend>((resolve) => (onReconnect = () => resolve(resend)));
    listeners.add(onReconnect);
    const attempt = send();
    try {
      const outcome = await Promise.race([attempt, reconnected]);
      if (outcome !== resend) return outcome as T;
    } finally {
      listeners.delete(onReconnect);
    }
    attempt.catch(() => undefined); // abandoned: its late answer or timeout changes nothing
  }
}
