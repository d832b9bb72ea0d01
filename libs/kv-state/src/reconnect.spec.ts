import type { NatsConnection } from '@nats-io/transport-node';
import { onReconnect } from './reconnect';

type Status = ReturnType<NatsConnection['status']>;

/** A connection whose status stream yields `types`, then ends. */
const connection = (...types: string[]) => ({
  status: () =>
    (async function* () {
      for (const type of types) yield { type };
    })() as unknown as Status,
});
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('onReconnect', () => {
  it('calls back on each reconnect only', async () => {
    let calls = 0;
    onReconnect(connection('disconnect', 'reconnect', 'pingTimer', 'reconnect'), () => calls++);
    await settled();
    expect(calls).toBe(2);
  });

  it('hands a restart that fails to onError rather than leaving a rejection nobody handles', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const errors: unknown[] = [];
      const timeout = new Error('timeout');
      onReconnect(
        connection('reconnect'),
        () => Promise.reject(timeout),
        (error) => errors.push(error),
      );
      await settled();
      await settled();
      expect(errors).toEqual([timeout]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
