import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { headers } from '@nats-io/transport-node';
import { captureSpans, type CapturedSpans } from './test-support';
import { extractTraceContext, injectTraceContext, subjectTemplate, withSpan } from './nats-context';
import { tracesWanted } from './sdk';

describe('subjectTemplate', () => {
  it('stars tenants and instance ids but keeps command types', () => {
    expect(subjectTemplate('aether.evt.acme.job.0b7c')).toBe('aether.evt.*.job.*');
    expect(subjectTemplate('aether.cmd.acme.RequestJob')).toBe('aether.cmd.*.RequestJob');
    expect(subjectTemplate('aether.work.acme.robot.robot-1')).toBe('aether.work.*.robot.*');
  });
});

describe('tracesWanted', () => {
  it('is on only with an OTLP endpoint and not switched off', () => {
    expect(tracesWanted({})).toBe(false);
    expect(tracesWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracesWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x:4318/v1/traces' })).toBe(true);
    expect(tracesWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318', OTEL_SDK_DISABLED: 'true' })).toBe(
      false,
    );
    expect(tracesWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(
      false,
    );
  });
});

describe('trace context in NATS headers', () => {
  it('does nothing while tracing is off', async () => {
    expect(injectTraceContext(undefined)).toBeUndefined();
    await expect(withSpan('work', {}, async (span) => span)).resolves.toBeUndefined();
  });

  describe('with tracing on', () => {
    let captured: CapturedSpans;
    beforeEach(() => (captured = captureSpans()));
    afterEach(() => captured.stop());

    it('carries the active span to the consumer as its parent', async () => {
      const carried = await withSpan('publish', {}, async () => injectTraceContext(headers()));
      expect(carried?.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      await withSpan('process', { parent: extractTraceContext(carried) }, async () => undefined);
      const [published, processed] = captured.spans();
      expect(processed.spanContext().traceId).toBe(published.spanContext().traceId);
      expect(processed.parentSpanContext?.spanId).toBe(published.spanContext().spanId);
    });

    it('links the contexts it continues from and nests what runs inside', async () => {
      const other = await withSpan('placement', {}, async () => context.active());
      await withSpan('claim', { links: [other] }, () => withSpan('step', {}, async () => undefined));
      const byName = new Map(captured.spans().map((span) => [span.name, span]));
      const claim = byName.get('claim')!;
      expect(claim.links.map((link) => link.context.spanId)).toEqual([trace.getSpanContext(other)!.spanId]);
      expect(byName.get('step')!.parentSpanContext?.spanId).toBe(claim.spanContext().spanId);
    });

    it('records a failure by its code, never its message', async () => {
      const secret = 'hunter2-secret-value';
      const failure = Object.assign(new Error(`login with ${secret} refused`), { code: 'AUTH_FAILED' });
      await expect(withSpan('step', {}, () => Promise.reject(failure))).rejects.toBe(failure);
      const [span] = captured.spans();
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'AUTH_FAILED' });
      expect(span.attributes['error.type']).toBe('AUTH_FAILED');
      expect(JSON.stringify({ ...span.attributes, events: span.events, status: span.status })).not.toContain(
        secret,
      );
    });

    it('starts a trace of its own when a message carries none', () => {
      expect(trace.getSpanContext(extractTraceContext(undefined))).toBeUndefined();
      expect(trace.getSpanContext(extractTraceContext(headers()))).toBeUndefined();
    });
  });
});
