import type { z } from 'zod';
import { EnvelopeSchema, type Envelope, type MessageDefinition } from './envelope';

type AnyDefinition = MessageDefinition<string, z.ZodType>;

/** Turns an old version's data into the next version's shape (events only grow; old shapes are read, never rewritten). */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(data: unknown): unknown;
}

export type ParseResult<TMessage extends Envelope = Envelope> =
  { readonly ok: true; readonly message: TMessage } | { readonly ok: false; readonly reason: string };

export type ParseEventsResult<TMessage extends Envelope = Envelope> =
  { readonly ok: true; readonly messages: TMessage[] } | { readonly ok: false; readonly reason: string };

/**
 * Validates inbound messages: the envelope first, then `data` against the schema
 * registered for its type at the current version, after upcasting older versions.
 */
export class MessageRegistry<TMessage extends Envelope = Envelope> {
  private readonly current = new Map<string, AnyDefinition>();
  private readonly upcasters = new Map<string, Upcaster>();

  constructor(definitions: readonly AnyDefinition[], upcasters: readonly Upcaster[] = []) {
    for (const definition of definitions) {
      if (this.current.has(definition.type))
        throw new Error(`message type ${definition.type} registered twice`);
      this.current.set(definition.type, definition);
    }
    for (const upcaster of upcasters)
      this.upcasters.set(`${upcaster.type}@${upcaster.fromVersion}`, upcaster);
  }

  has(type: string): boolean {
    return this.current.has(type);
  }

  parseBytes(bytes: Uint8Array): ParseResult<TMessage> {
    const json = decodeJson(bytes);
    return json.ok ? this.parse(json.value) : json;
  }

  /**
   * A stored event message: one envelope, or a commit — a JSON array of the envelopes one
   * append stored atomically (ADR 22). All of a commit's events are valid, or none is taken.
   */
  parseEvents(bytes: Uint8Array): ParseEventsResult<TMessage> {
    const json = decodeJson(bytes);
    if (!json.ok) return json;
    const values: unknown[] = Array.isArray(json.value) ? json.value : [json.value];
    if (values.length === 0) return { ok: false, reason: 'empty commit' };
    const messages: TMessage[] = [];
    for (const [i, value] of values.entries()) {
      const parsed = this.parse(value);
      if (!parsed.ok)
        return {
          ok: false,
          reason: values.length > 1 ? `event ${i + 1} of ${values.length}: ${parsed.reason}` : parsed.reason,
        };
      messages.push(parsed.message);
    }
    return { ok: true, messages };
  }

  parse(value: unknown): ParseResult<TMessage> {
    const envelope = EnvelopeSchema.safeParse(value);
    if (!envelope.success) return { ok: false, reason: `invalid envelope: ${formatIssues(envelope.error)}` };
    const raw = envelope.data;
    const definition = this.current.get(raw.type);
    if (!definition) return { ok: false, reason: `unknown message type "${raw.type}"` };
    if (raw.version > definition.version) {
      return {
        ok: false,
        reason: `${raw.type} version ${raw.version} is newer than this service knows (${definition.version})`,
      };
    }
    let data = raw.data;
    for (let version = raw.version; version < definition.version; version++) {
      const upcaster = this.upcasters.get(`${raw.type}@${version}`);
      if (!upcaster) return { ok: false, reason: `no upcaster for ${raw.type} from version ${version}` };
      data = upcaster.upcast(data);
    }
    const parsed = definition.schema.safeParse(data);
    if (!parsed.success)
      return { ok: false, reason: `invalid ${raw.type} data: ${formatIssues(parsed.error)}` };
    return {
      ok: true,
      message: { ...raw, version: definition.version, data: parsed.data } as unknown as TMessage,
    };
  }
}

/** A message's bytes as a JSON value (strict UTF-8), or why they are not JSON. */
export function decodeJson(
  bytes: Uint8Array,
): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string } {
  try {
    return { ok: true, value: JSON.parse(utf8.decode(bytes)) as unknown };
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
