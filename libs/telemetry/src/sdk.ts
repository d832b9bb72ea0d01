import type { NodeSDK } from '@opentelemetry/sdk-node';
import { setTracing } from './state';

/** What `startTelemetry` started; `shutdown` flushes what is buffered. */
export interface Telemetry {
  /** Spans are recorded and exported. False: every helper here is a no-op. */
  readonly tracing: boolean;
  shutdown(): Promise<void>;
}

type Env = Record<string, string | undefined>;

/**
 * Whether the standard variables ask for traces: an OTLP endpoint (general or for traces) is set,
 * and neither `OTEL_SDK_DISABLED=true` nor `OTEL_TRACES_EXPORTER=none` turns them off.
 */
export function tracesWanted(env: Env = process.env): boolean {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return false;
  if (
    (env['OTEL_TRACES_EXPORTER'] ?? '')
      .split(',')
      .map((name) => name.trim())
      .includes('none')
  )
    return false;
  return Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);
}

let started: Telemetry | undefined;

/**
 * Starts the OpenTelemetry SDK for this process, configured only by the standard `OTEL_*`
 * variables (`OTEL_SERVICE_NAME` defaults to `serviceName`). Must run before the modules it
 * instruments (http, express, Nest, pg, pino) are loaded: each service's `main.ts` imports its
 * `telemetry.ts` first. Without an endpoint nothing is loaded and nothing is patched.
 */
export function startTelemetry(serviceName: string, env: Env = process.env): Telemetry {
  if (started) return started;
  if (!tracesWanted(env)) {
    started = { tracing: false, shutdown: async () => undefined };
    return started;
  }
  const sdk = createSdk(serviceName, env);
  sdk.start();
  setTracing(true);
  started = { tracing: true, shutdown: () => sdk.shutdown() };
  return started;
}

/** Flushes and stops the SDK, if one was started; a collector that is down does not stop a shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  await started?.shutdown().catch(() => undefined);
}

function createSdk(serviceName: string, env: Env): NodeSDK {
  // Loaded only when telemetry is on: a process without an endpoint pays nothing for the SDK.
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } =
    require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { NestInstrumentation } =
    require('@opentelemetry/instrumentation-nestjs-core') as typeof import('@opentelemetry/instrumentation-nestjs-core');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { PinoInstrumentation } =
    require('@opentelemetry/instrumentation-pino') as typeof import('@opentelemetry/instrumentation-pino');
  return new NodeSDK({
    ...(env['OTEL_SERVICE_NAME'] ? {} : { serviceName }),
    instrumentations: [
      new HttpInstrumentation({
        // Health probes and scrapes every few seconds would drown the traces that matter.
        ignoreIncomingRequestHook: (request) => /^\/(health|metrics)\b/.test(request.url ?? ''),
      }),
      new ExpressInstrumentation(),
      new NestInstrumentation(),
      // A query outside any span (the projector's batches) would be a one-span trace of its own: noise.
      new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
      new PinoInstrumentation(),
    ],
  });
}
