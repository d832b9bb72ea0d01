import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { subjects } from '@aether/contracts';

export const QUARANTINE_HEADERS = {
  reason: 'Aether-Quarantine-Reason',
  consumer: 'Aether-Quarantine-Consumer',
  originSubject: 'Aether-Origin-Subject',
  originStream: 'Aether-Origin-Stream',
  originSequence: 'Aether-Origin-Sequence',
} as const;

/**
 * Keeps a message that failed validation, byte for byte, with the reason, on
 * `aether.quarantine.<consumer>` — so the consumer can move on without losing it.
 */
export async function quarantine(
  js: JetStreamClient,
  consumer: string,
  message: Pick<JsMsg, 'subject' | 'data' | 'seq'> & { readonly info: Pick<JsMsg['info'], 'stream'> },
  reason: string,
): Promise<void> {
  const h = natsHeaders();
  h.set(QUARANTINE_HEADERS.reason, reason.slice(0, 2000).replace(/[\r\n]+/g, ' '));
  h.set(QUARANTINE_HEADERS.consumer, consumer);
  h.set(QUARANTINE_HEADERS.originSubject, message.subject);
  h.set(QUARANTINE_HEADERS.originStream, message.info.stream);
  h.set(QUARANTINE_HEADERS.originSequence, String(message.seq));
  await js.publish(subjects.quarantine(consumer), message.data, {
    headers: h,
    msgID: `q:${message.info.stream}:${message.seq}`,
  });
}
