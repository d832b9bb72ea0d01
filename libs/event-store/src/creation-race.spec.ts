import { JetStreamApiError } from '@nats-io/jetstream';
import { createOrFindStream } from './creation-race';

const apiError = (errCode: number, description: string) =>
  new JetStreamApiError({ code: 400, err_code: errCode, description });

describe('createOrFindStream', () => {
  it.each([
    [10065, 'subjects overlap with an existing stream'],
    [10058, 'stream name already in use with a different configuration'],
  ])('tries again once when a concurrent create won (%i)', async (code, description) => {
    const create = jest
      .fn()
      .mockRejectedValueOnce(apiError(code, description))
      .mockResolvedValueOnce('found');
    await expect(createOrFindStream(create)).resolves.toBe('found');
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('throws a clash that is still there the second time', async () => {
    const clash = apiError(10065, 'subjects overlap with an existing stream');
    const create = jest.fn().mockRejectedValue(clash);
    await expect(createOrFindStream(create)).rejects.toBe(clash);
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('throws any other error at once', async () => {
    const other = apiError(10059, 'stream not found');
    const create = jest.fn().mockRejectedValue(other);
    await expect(createOrFindStream(create)).rejects.toBe(other);
    expect(create).toHaveBeenCalledTimes(1);
    const notJetStream = new Error('TIMEOUT');
    const timedOut = jest.fn().mockRejectedValue(notJetStream);
    await expect(createOrFindStream(timedOut)).rejects.toBe(notJetStream);
    expect(timedOut).toHaveBeenCalledTimes(1);
  });
});
