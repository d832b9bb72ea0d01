import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Calls `callback` after every reconnect. Ordered consumers (KV watches, event feeds) on a
 * server that restarted only notice through their idle heartbeat; a follower that must not
 * lag restarts on this signal instead.
 */
export function onReconnect(nc: NatsConnection, callback: () => void): void {
  void (async () => {
    for await (const status of nc.status()) if (status.type === 'reconnect') callback();
  })();
}
