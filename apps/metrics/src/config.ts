import { env, loadConfig } from '@aether/service-kit';

export const loadMetricsConfig = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      NATS_URL: env.natsUrl,
      DATABASE_URL: env.databaseUrl,
      PORT: env.port(8086),
      LOG_LEVEL: env.logLevel,
      /** Most events projected in one transaction. */
      PROJECTION_BATCH: env.positiveInt(500),
    },
    source,
  );
export type MetricsConfig = ReturnType<typeof loadMetricsConfig>;
