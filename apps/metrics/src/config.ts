import { env, loadConfig, topologyEnv } from '@aether/service-kit';

export const loadMetricsConfig = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      NATS_URL: env.natsUrl,
      ...topologyEnv,
      DATABASE_URL: env.databaseUrl,
      PORT: env.port(8086),
      LOG_LEVEL: env.logLevel,
      /** Most events projected in one transaction. */
      PROJECTION_BATCH: env.positiveInt(500),
      /** How long a batch waits for more events after its first one, in ms: fewer, larger transactions for a little lag. */
      PROJECTION_LINGER_MS: env.durationMs(20),
    },
    source,
  );
export type MetricsConfig = ReturnType<typeof loadMetricsConfig>;
