import type { NatsConnection } from '@nats-io/transport-node';

/** Resolves at the connection's next reconnect; never, once the connection is closed. */
type NextReconnect = () => Promise<void>;

const watchers = new WeakMap<NatsConnection, NextReconnect>();

function nextReconnectOf(nc: NatsConnection): NextReconnect {
  let watcher = watchers.get(nc);
  if (!watcher) {
    let resolve = () => undefined as void;
    const arm = () => new Promise<void>((done) => (resolve = done));
    let next = arm();
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type !== 'reconnect') continue;
        resolve();
        next = arm();
      }
    })();
    watcher = () => next;
    watchers.set(nc, watcher);
  }
  return watcher;
}

/**
 * Sends a request again each time the connection reconnects before it was answered, and answers
 * with the first attempt that settles within one connection.
 *
 * nats.js v3 keeps a request waiting for its reply until its own timeout (5 s for JetStream)
 * even when the request left into a socket that died, or was buffered while disconnected: the
 * buffer is dropped when the client dials again (`resetOutbound`), and the server sends a reply
 * only to the connection that asked. Neither `retries` (no-responders only) nor any request
 * option covers a reconnect. Use it only for requests that are safe to repeat: a JetStream publish
 * with a `msgID`, which the server de-duplicates, is.
 */
export async function resentOnReconnect<T>(nc: NatsConnection, send: () => Promise<T>): Promise<T> {
  const nextReconnect = nextReconnectOf(nc);
  for (;;) {
    const reconnected = nextReconnect().then(() => resend);
    const attempt = send();
    const outcome = await Promise.race([attempt, reconnected]);
    if (outcome !== resend) return outcome as T;
    attempt.catch(() => undefined); // abandoned: its late answer or timeout changes nothing
  }
}

const resend = Symbol('resend');
