import type { Context } from '@opentelemetry/api';
import type { MsgHdrs } from '@nats-io/transport-node';
import { extractTraceContext, hasSpan } from './nats-context';
import { tracingOn } from './state';

/**
 * The trace each long-lived thing (a job) began in, by key (its subject), so work done for it
 * later — from a timer, or in answer to another message — joins its trace rather than the one that
 * happened to be active. Bounded: past `limit` keys the oldest is forgotten.
 */
export class TraceOrigins {
  private readonly contexts = new Map<string, Context>();

  constructor(private readonly limit = 100_000) {}

  /** Keeps the trace context `headers` carry as `key`'s origin, unless one is kept already. */
  remember(key: string, headers: MsgHdrs | undefined): void {
    if (!tracingOn() || this.contexts.has(key)) return;
    const origin = extractTraceContext(headers);
    if (!hasSpan(origin)) return;
    this.contexts.set(key, origin);
    if (this.contexts.size > this.limit) this.contexts.delete(this.contexts.keys().next().value as string);
  }

  forget(key: string): void {
    this.contexts.delete(key);
  }

  /** `key`'s origin, if known. */
  of(key: string): Context | undefined {
    return this.contexts.get(key);
  }

  get size(): number {
    return this.contexts.size;
  }
}
