import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { tracingOn } from './state';

const tracer = () => trace.getTracer('@aether/telemetry');

const setter: TextMapSetter<MsgHdrs> = {
  set: (carrier, key, value) => carrier.set(key, value),
};
const getter: TextMapGetter<MsgHdrs | undefined> = {
  get: (carrier, key) => carrier?.get(key) || undefined,
  keys: (carrier) => carrier?.keys() ?? [],
};

/**
 * A subject with its tenant and instance tokens starred, e.g. `aether.evt.*.job.*`: a span name
 * of bounded cardinality (the whole subject is an attribute).
 */
export function subjectTemplate(subject: string): string {
  return subject
    .split('.')
    .map((token, i) => (i === 2 || (i >= 4 && !subject.startsWith('aether.cmd.')) ? '*' : token))
    .join('.');
}

/** `headers` (or new ones) carrying `ctx` as W3C `traceparent`/`tracestate`; untouched while tracing is off. */
export function injectTraceContext(
  headers: MsgHdrs | undefined,
  ctx: Context = context.active(),
): MsgHdrs | undefined {
  if (!tracingOn()) return headers;
  const carrier = headers ?? natsHeaders();
  propagation.inject(ctx, carrier, setter);
  return carrier;
}

/** The trace context a message's headers carry; the root context when they carry none. */
export function extractTraceContext(headers: MsgHdrs | undefined): Context {
  if (!tracingOn() || !headers) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers, getter);
}

/** Whether `ctx` holds a span context (a message that carried `traceparent`). */
export function hasSpan(ctx: Context): boolean {
  return trace.getSpanContext(ctx) !== undefined;
}

export interface SpanOptions {
  readonly attributes?: Attributes;
  readonly kind?: SpanKind;
  /** Parent context; default: the active one. */
  readonly parent?: Context;
  /** Other traces this span continues from (e.g. the placement that delivered a resumed claim). */
  readonly links?: readonly Context[];
}

/**
 * Runs `fn` inside a new span that ends when it settles; a throw is recorded as the span's error
 * by its `code` (or class name) only — messages may carry values, so they stay out of traces.
 * While tracing is off, `fn` runs alone.
 */
export async function withSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!tracingOn()) return fn(undefined);
  const parent = options.parent ?? context.active();
  const links: Link[] = (options.links ?? [])
    .map((linked) => trace.getSpanContext(linked))
    .filter((linked) => linked !== undefined)
    .map((linked) => ({ context: linked }));
  const span = tracer().startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(links.length > 0 ? { links } : {}),
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Adds attributes to the span active here (a step's, inside its handler); nothing when tracing is off. */
export function annotateActiveSpan(attributes: Attributes): void {
  if (tracingOn()) trace.getActiveSpan()?.setAttributes(attributes);
}

/** Marks `span` failed with the error's code (or class name), never its message. */
export function recordFailure(span: Span | undefined, error: unknown): void {
  if (!span) return;
  const code = errorCode(error);
  span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code) return code;
  if (typeof code === 'number') return String(code);
  return error instanceof Error ? error.constructor.name : 'Error';
}

/**
 * `js` whose `publish` sends the active trace context in the message headers, inside a producer
 * span. Everything else is `js` itself. While tracing is off, `js` is returned unchanged.
 */
export function tracedJetStream(js: JetStreamClient): JetStreamClient {
  if (!tracingOn()) return js;
  const publish: JetStreamClient['publish'] = (subject, payload, options) => {
    const template = subjectTemplate(subject);
    return withSpan(
      `publish ${template}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.operation.type': 'send',
          'messaging.destination.name': subject,
          'messaging.destination.template': template,
          ...(options?.msgID ? { 'messaging.message.id': options.msgID } : {}),
        },
      },
      async (span): Promise<PubAck> => {
        const headers = injectTraceContext(options?.headers);
        const ack = await js.publish(subject, payload, { ...options, ...(headers ? { headers } : {}) });
        span?.setAttribute('messaging.nats.stream.sequence', ack.seq);
        return ack;
      },
    );
  };
  return new Proxy(js, {
    get(target, property) {
      if (property === 'publish') return publish;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
