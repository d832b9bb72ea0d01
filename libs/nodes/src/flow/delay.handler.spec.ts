import { NodeCancelledError, NodeTimeoutError } from '../errors';
import { testNodeContext } from '../testing';
import { delayHandler } from './delay.handler';

describe('delay', () => {
  it('waits the given time', async () => {
    const started = Date.now();
    await expect(delayHandler.execute({ ms: 50 }, testNodeContext())).resolves.toEqual({ waitedMs: 50 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('stops at once when the step times out or is cancelled', async () => {
    const started = Date.now();
    await expect(
      delayHandler.execute({ ms: 60_000 }, testNodeContext({ signal: AbortSignal.timeout(30) })),
    ).rejects.toBeInstanceOf(NodeTimeoutError);
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 30);
    await expect(
      delayHandler.execute({ ms: 60_000 }, testNodeContext({ signal: cancel.signal })),
    ).rejects.toBeInstanceOf(NodeCancelledError);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
