import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Calls `callback` after every reconnect. Ordered consumers (KV watches, event feeds) on a
 * server that restarted only notice through their idle heartbeat; a follower that must not
 * lag restarts on this signal instead. A promise the callback returns is awaited for its failure
 * only, which goes to `onError`: right after a reconnect the cluster may still be electing, and a
 * restart left as a bare rejection ended the gateway (`chaos:cluster`).
 */
export function onReconnect(
  nc: Pick<NatsConnection, 'status'>,
  callback: () => unknown,
  onError: (error: unknown) => void = () => undefined,
): void {
  void (async () => {
    for await (const status of nc.status())
      if (status.type === 'reconnect') {
        try {
          const result = callback();
          if (result instanceof Promise) result.catch(onError);
        } catch (error) {
          onError(error);
        }
      }
  })();
}
