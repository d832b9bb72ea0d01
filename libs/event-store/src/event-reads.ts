import type { JetStreamManager } from '@nats-io/jetstream';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { z } from 'zod';
import { STREAMS, decodeJson, isSubjectToken, parseEventSubject, subjects } from '@aether/contracts';
import { directGet } from './direct-get';

/** A page of one aggregate's history, asked for over `subjects.eventRead(tenant)` (ADR 77). */
export const EventReadRequestSchema = z
  .object({
    /** The aggregate's subject, `aether.evt.<tenant>.<type>.<id>`: the request subject's tenant, no wildcard. */
    subject: z.string().max(512),
    /** The first stream sequence to return (≥ 1). */
    fromSequence: z.number().int().positive(),
    /** Where the read ends, from the first page's answer; absent: the subject's last sequence now. */
    upTo: z.number().int().nonnegative().optional(),
  })
  .strict();
export type EventReadRequest = z.infer<typeof EventReadRequestSchema>;

/** `data` is the stored message's text (an envelope or a commit, ADR 22); `more`: ask again from the next sequence. */
export type EventReadReply =
  | {
      readonly lastSequence: number;
      readonly messages: readonly { readonly sequence: number; readonly data: string }[];
      readonly more: boolean;
    }
  | { readonly refused: string };

/** Messages past this many bytes go in a later page (NATS' default payload limit is 1 MiB). */
const PAGE_BYTES = 256 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Answers robots' history reads (`aether.ctl.<tenant>.events.read`, queue group `event-readers`)
 * with direct gets the robot itself may not make: a subject of the request's tenant only, whole
 * aggregate subjects only. Every service runs one, so reads go on while any service is up.
 */
export function serveEventReads(
  nc: NatsConnection,
  jsm: JetStreamManager,
  onError: (error: unknown, subject: string) => void,
): Subscription {
  return nc.subscribe(subjects.eventRead('*'), {
    queue: 'event-readers',
    callback: (error, message) => {
      if (error) return;
      answerEventRead(jsm, message).then(
        (reply) => message.respond(encoder.encode(JSON.stringify(reply))),
        (failure: unknown) => {
          onError(failure, message.subject);
          message.respond(
            encoder.encode(JSON.stringify({ refused: 'unavailable' } satisfies EventReadReply)),
          );
        },
      );
    },
  });
}

async function answerEventRead(jsm: JetStreamManager, message: Msg): Promise<EventReadReply> {
  const tenantId = message.subject.split('.')[2];
  const decoded = decodeJson(message.data);
  const parsed = EventReadRequestSchema.safeParse(decoded.ok ? decoded.value : undefined);
  if (!parsed.success) return { refused: 'invalid request' };
  const { subject, fromSequence, upTo } = parsed.data;
  const target = parseEventSubject(subject);
  if (
    !target ||
    target.tenantId !== tenantId ||
    !isSubjectToken(target.aggregate) ||
    !isSubjectToken(target.aggregateId)
  )
    return { refused: `not an aggregate subject of tenant ${tenantId}` };

  const lastSequence = upTo ?? (await directGet(jsm, STREAMS.events, { last_by_subj: subject }))?.seq ?? 0;
  const messages: { sequence: number; data: string }[] = [];
  let bytes = 0;
  let from = fromSequence;
  while (from <= lastSequence) {
    const stored = await directGet(jsm, STREAMS.events, { next_by_subj: subject, seq: from });
    if (!stored || stored.seq > lastSequence) break;
    if (messages.length > 0 && bytes + stored.data.length > PAGE_BYTES)
      return { lastSequence, messages, more: true };
    messages.push({ sequence: stored.seq, data: decoder.decode(stored.data) });
    bytes += stored.data.length;
    from = stored.seq + 1;
  }
  return { lastSequence, messages, more: false };
}
