import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** A span as an OTLP/JSON export carries it, with its process's `service.name`. */
export interface SinkSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly links: readonly { traceId: string; spanId: string }[];
  readonly startMs: number;
  readonly endMs: number;
  /** 2 is an error (OTLP `STATUS_CODE_ERROR`). */
  readonly statusCode: number;
}

/**
 * An OTLP/HTTP receiver for tests and benchmarks, standing in for a collector: every process of a
 * platform started with `OTEL_EXPORTER_OTLP_ENDPOINT=<url>` exports to it. Spans sent as
 * `http/json` are decoded and kept; spans sent as `http/protobuf` (the SDK's default) are counted.
 */
export interface OtlpSink {
  readonly url: string;
  /** Every span received as JSON so far. */
  spans(): SinkSpan[];
  /** Spans received so far, in either encoding. */
  spanCount(): number;
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const spans: SinkSpan[] = [];
  let counted = 0;
  const server = createServer((request, response) => {
    void body(request).then(
      (bytes) => {
        if (request.url === '/v1/traces') {
          if (request.headers['content-type']?.includes('json')) {
            const decoded = decodeJsonSpans(JSON.parse(bytes.toString('utf8')) as OtlpJsonRequest);
            spans.push(...decoded);
            counted += decoded.length;
          } else counted += countProtobufSpans(bytes);
        }
        response.writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/json' });
        response.end(request.headers['content-type']?.includes('json') ? '{}' : undefined);
      },
      () => {
        response.writeHead(400);
        response.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...spans],
    spanCount: () => counted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

type JsonValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type JsonAttribute = { key: string; value: JsonValue };
interface OtlpJsonRequest {
  resourceSpans?: {
    resource?: { attributes?: JsonAttribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes?: JsonAttribute[];
        links?: { traceId: string; spanId: string }[];
        startTimeUnixNano: string | number;
        endTimeUnixNano: string | number;
        status?: { code?: number };
      }[];
    }[];
  }[];
}

function decodeJsonSpans(request: OtlpJsonRequest): SinkSpan[] {
  const out: SinkSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributes(resourceSpans.resource?.attributes);
    for (const scope of resourceSpans.scopeSpans ?? [])
      for (const span of scope.spans ?? [])
        out.push({
          service: String(resource['service.name'] ?? ''),
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          attributes: attributes(span.attributes),
          links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
          startMs: Number(BigInt(span.startTimeUnixNano) / 1_000_000n),
          endMs: Number(BigInt(span.endTimeUnixNano) / 1_000_000n),
          statusCode: span.status?.code ?? 0,
        });
  }
  return out;
}

function attributes(list: JsonAttribute[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    const v = value.stringValue ?? value.boolValue ?? value.doubleValue ?? value.intValue;
    if (v !== undefined) out[key] = typeof v === 'string' && value.intValue !== undefined ? Number(v) : v;
  }
  return out;
}

/**
 * Spans in a protobuf `ExportTraceServiceRequest`: `resource_spans` (field 1) → `scope_spans`
 * (field 2) → `spans` (field 2), counted without decoding them.
 */
export function countProtobufSpans(request: Uint8Array): number {
  let count = 0;
  for (const resourceSpans of lengthDelimited(request, 1))
    for (const scopeSpans of lengthDelimited(resourceSpans, 2))
      for (const _span of lengthDelimited(scopeSpans, 2)) count++;
  return count;
}

/** The length-delimited fields numbered `field` of a protobuf message, skipping every other field. */
function* lengthDelimited(message: Uint8Array, field: number): Generator<Uint8Array> {
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = message[at++];
      if (byte === undefined) throw new Error('truncated protobuf varint');
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < message.length) {
    const key = varint();
    const wireType = key % 8;
    if (wireType === 0) varint();
    else if (wireType === 1) at += 8;
    else if (wireType === 5) at += 4;
    else if (wireType === 2) {
      const length = varint();
      if (Math.floor(key / 8) === field) yield message.subarray(at, at + length);
      at += length;
    } else throw new Error(`unsupported protobuf wire type ${wireType}`);
  }
}
