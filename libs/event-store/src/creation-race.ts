import { JetStreamApiError } from '@nats-io/jetstream';

/** JetStream's answers to a create that lost to a concurrent create of the same stream. */
const LOST_CREATION_RACE = new Set([
  10058, // stream name already in use (with a different configuration)
  10065, // subjects overlap with an existing stream
]);

/**
 * Runs `create` (a find-or-create of a stream) again once if it lost a race to another process
 * creating the same stream. nats-server 2.9 checks a new stream's name, unlocks, then checks its
 * subjects: of two services starting at once, the second can be told its subjects overlap the
 * stream the first just made. The second attempt finds that stream. A real clash (another stream
 * owning the subjects) fails again and is thrown.
 */
export async function createOrFindStream<T>(create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (!(error instanceof JetStreamApiError && LOST_CREATION_RACE.has(error.code))) throw error;
    return create();
  }
}
