export { startTelemetry, shutdownTelemetry, tracesWanted, type Telemetry } from './sdk';
export { tracingOn } from './state';
export {
  tracedJetStream,
  injectTraceContext,
  extractTraceContext,
  hasSpan,
  withSpan,
  annotateActiveSpan,
  recordFailure,
  subjectTemplate,
  type SpanOptions,
} from './nats-context';
export { SpanKind, type Context, type Span } from '@opentelemetry/api';
export { TraceOrigins } from './trace-origins';
