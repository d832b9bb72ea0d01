import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { STREAMS, subjects } from '@aether/contracts';

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
    msgID: `q:${consumer}:${message.info.stream}:${message.seq}`,
  });
}

/** A message kept in quarantine, as an operator reads it. */
export interface QuarantinedMessage {
  /** Sequence in the QUARANTINE stream. */
  readonly sequence: number;
  readonly quarantinedAt: Date;
  /** The consumer that could not take it. */
  readonly consumer: string;
  readonly reason: string;
  readonly origin: { readonly stream: string; readonly subject: string; readonly sequence: number };
  /** The message's bytes as stored, decoded as UTF-8. */
  readonly body: string;
}

export interface QuarantineListing {
  /** How many messages quarantine holds (for `consumer`, when given). */
  readonly total: number;
  /** The newest `limit` of them, oldest first. */
  readonly messages: QuarantinedMessage[];
}

/**
 * What quarantine holds now: every consumer's messages, or one consumer's, the newest `limit`
 * (default 100) returned oldest first. Messages quarantined while it reads are left out.
 */
export async function readQuarantine(
  js: JetStreamClient,
  jsm: JetStreamManager,
  options: { readonly consumer?: string; readonly limit?: number } = {},
): Promise<QuarantineListing> {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a whole number ≥ 1, got ${limit}`);
  const filter = options.consumer ? subjects.quarantine(options.consumer) : subjects.allQuarantine;
  const info = await jsm.streams.info(STREAMS.quarantine, { subjects_filter: filter });
  const total = Object.values(info.state.subjects ?? {}).reduce((sum, count) => sum + count, 0);
  if (total === 0) return { total, messages: [] };
  const consumer = await js.consumers.get(STREAMS.quarantine, { filter_subjects: filter });
  const messages: QuarantinedMessage[] = [];
  for (let read = 0; read < total;) {
    const batch = await consumer.fetch({ max_messages: Math.min(total - read, 256), expires: 2_000 });
    const before = read;
    for await (const message of batch) {
      messages.push(toQuarantined(message));
      if (messages.length > limit) messages.shift();
      read++;
    }
    if (read === before) break; // aged out while this read
  }
  return { total, messages };
}

function toQuarantined(message: JsMsg): QuarantinedMessage {
  const header = (name: string) => message.headers?.get(name) ?? '';
  return {
    sequence: message.seq,
    quarantinedAt: message.time,
    consumer: header(QUARANTINE_HEADERS.consumer),
    reason: header(QUARANTINE_HEADERS.reason),
    origin: {
      stream: header(QUARANTINE_HEADERS.originStream),
      subject: header(QUARANTINE_HEADERS.originSubject),
      sequence: Number(header(QUARANTINE_HEADERS.originSequence)),
    },
    body: message.string(),
  };
}

/**
 * Sends quarantined command `sequence` again to where it came from and takes it out of
 * quarantine: for a command set aside by a consumer since fixed or upgraded. Only commands: an
 * event sent again would be a second copy in an aggregate's log, and a work message would place
 * a job its log may have moved past.
 */
export async function requeueQuarantined(
  js: JetStreamClient,
  jsm: JetStreamManager,
  sequence: number,
): Promise<{ readonly subject: string; readonly sequence: number }> {
  const stored = await jsm.streams.getMessage(STREAMS.quarantine, { seq: sequence });
  if (!stored) throw new QuarantineError(`no message #${sequence} in quarantine`);
  const stream = stored.header.get(QUARANTINE_HEADERS.originStream);
  const subject = stored.header.get(QUARANTINE_HEADERS.originSubject);
  if (stream !== STREAMS.commands)
    throw new QuarantineError(
      `#${sequence} came from ${stream || 'an unknown stream'}: only commands are sent again`,
    );
  const ack = await js.publish(subject, stored.data, { msgID: `requeue:${sequence}` });
  await jsm.streams.deleteMessage(STREAMS.quarantine, sequence);
  return { subject, sequence: ack.seq };
}

/** An operator's request about quarantine that cannot be carried out, with why. */
export class QuarantineError extends Error {}
