import {
  JetStreamApiCodes,
  JetStreamApiError,
  type DirectMsgRequest,
  type JetStreamManager,
  type StoredMsg,
} from '@nats-io/jetstream';

/** One stored message by direct get; `null` when the stream holds none that matches. */
export async function directGet(
  jsm: JetStreamManager,
  stream: string,
  query: DirectMsgRequest,
): Promise<StoredMsg | null> {
  try {
    return await jsm.direct.getMessage(stream, query);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound) return null;
    throw error;
  }
}
