import { NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { jetStreamUnavailable, provisionWhenJetStreamAnswers } from './provision';

describe('provisionWhenJetStreamAnswers', () => {
  let clock: number;
  const options = (warn = jest.fn()) => ({
    timeoutMs: 10_000,
    logger: { warn },
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
  });
  beforeEach(() => {
    clock = 0;
  });

  it('runs the provisioning again while JetStream times out, then returns what it made', async () => {
    const warn = jest.fn();
    const provision = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(new TimeoutError())
      .mockRejectedValueOnce(
        new RequestError('no responders', { cause: new NoRespondersError('$JS.API.INFO') }),
      )
      .mockResolvedValueOnce('streams');
    await expect(provisionWhenJetStreamAnswers(provision, options(warn))).resolves.toBe('streams');
    expect(provision).toHaveBeenCalledTimes(3);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(clock).toBe(2_000);
  });

  it('throws any other failure at once', async () => {
    const refused = new Error('Permissions Violation for Publish to "$JS.API.STREAM.CREATE.EVENTS"');
    const provision = jest.fn<Promise<string>, []>().mockRejectedValue(refused);
    await expect(provisionWhenJetStreamAnswers(provision, options())).rejects.toBe(refused);
    expect(provision).toHaveBeenCalledTimes(1);
  });

  it('gives up with the last timeout once its time is spent', async () => {
    const timeout = new TimeoutError();
    const provision = jest.fn<Promise<string>, []>().mockRejectedValue(timeout);
    await expect(provisionWhenJetStreamAnswers(provision, options())).rejects.toBe(timeout);
    expect(provision).toHaveBeenCalledTimes(11);
    expect(clock).toBe(10_000);
  });

  it('tells unavailability from other errors', () => {
    expect(jetStreamUnavailable(new TimeoutError())).toBe(true);
    expect(jetStreamUnavailable(new NoRespondersError('x'))).toBe(true);
    expect(jetStreamUnavailable(new RequestError('x', { cause: new TimeoutError() }))).toBe(true);
    expect(jetStreamUnavailable(new RequestError('x', { cause: new Error('other') }))).toBe(false);
    expect(jetStreamUnavailable(new Error('timeout'))).toBe(false);
  });
});
