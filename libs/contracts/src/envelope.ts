import { z } from 'zod';
import { AggregateIdSchema, TenantIdSchema, newId, type TenantId } from './ids';
import type { AggregateType } from './subjects';

/**
 * The wire shape shared by every event, command and work message.
 * `data` is validated separately against the schema of `type` at `version`.
 */
export const EnvelopeSchema = z.object({
  /** Unique message id; also the `Nats-Msg-Id` used for de-duplication. */
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(100),
  version: z.number().int().positive(),
  tenantId: TenantIdSchema,
  aggregateId: AggregateIdSchema,
  /** ISO-8601 UTC timestamp of when the fact happened (or the command was issued). */
  occurredAt: z.iso.datetime(),
  /** Id of the message that caused this one, absent for messages from outside. */
  causationId: z.string().max(200).optional(),
  /** Id shared by every message of one business transaction (a job: its id). */
  correlationId: z.string().min(1).max(200),
  data: z.unknown(),
});
export type RawEnvelope = z.infer<typeof EnvelopeSchema>;

export type MessageKind = 'event' | 'command' | 'work';

export interface Envelope<TType extends string = string, TData = unknown> {
  readonly id: string;
  readonly type: TType;
  readonly version: number;
  readonly tenantId: TenantId;
  readonly aggregateId: string;
  readonly occurredAt: string;
  readonly causationId?: string;
  readonly correlationId: string;
  readonly data: TData;
}

/** One message type at one version: its name, schema and aggregate, defined once. */
export interface MessageDefinition<TType extends string, TSchema extends z.ZodType> {
  readonly kind: MessageKind;
  readonly type: TType;
  readonly version: number;
  readonly aggregate: AggregateType;
  readonly schema: TSchema;
  create(input: CreateInput<z.infer<TSchema>>): Envelope<TType, z.infer<TSchema>>;
  is(message: Envelope): message is Envelope<TType, z.infer<TSchema>>;
}

export interface CreateInput<TData> {
  tenantId: TenantId;
  aggregateId: string;
  data: TData;
  /** Defaults to a random UUID; pass a deterministic one to make a retry de-duplicate. */
  id?: string;
  occurredAt?: Date;
  /** The message this one answers: sets causation and inherits its correlation. */
  causedBy?: Pick<Envelope, 'id' | 'correlationId'>;
  correlationId?: string;
}

export type MessageOf<D> = D extends MessageDefinition<infer T, infer S> ? Envelope<T, z.infer<S>> : never;

export function defineMessage<TType extends string, TSchema extends z.ZodType>(spec: {
  kind: MessageKind;
  type: TType;
  version: number;
  aggregate: AggregateType;
  schema: TSchema;
}): MessageDefinition<TType, TSchema> {
  return {
    ...spec,
    create(input) {
      const id = input.id ?? newId();
      return {
        id,
        type: spec.type,
        version: spec.version,
        tenantId: input.tenantId,
        aggregateId: input.aggregateId,
        occurredAt: (input.occurredAt ?? new Date()).toISOString(),
        ...(input.causedBy ? { causationId: input.causedBy.id } : {}),
        correlationId: input.causedBy?.correlationId ?? input.correlationId ?? input.aggregateId,
        data: spec.schema.parse(input.data),
      };
    },
    is(message): message is Envelope<TType, z.infer<TSchema>> {
      return message.type === spec.type;
    },
  };
}
