import { z } from 'zod';
import { env, loadConfig, topologyEnv } from '@aether/service-kit';

export const loadMetricsConfig = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      NATS_URL: env.natsUrl,
      NATS_TOKEN: env.natsToken,
      NATS_CREDS_FILE: env.natsCredsFile,
      ...topologyEnv,
      DATABASE_URL: env.databaseUrl,
      PORT: env.port(8086),
      HOST: env.host,
      LOG_LEVEL: env.logLevel,
      /** Apply pending read-model migrations at start-up; `false` where a migrations job does it (Kubernetes). */
      MIGRATE_ON_START: z
        .enum(['true', 'false'])
        .default('true')
        .transform((value) => value === 'true'),
      /** Most events projected in one transaction. */
      PROJECTION_BATCH: env.positiveInt(500),
      /** How long a batch waits for more events after its first one, in ms: fewer, larger transactions for a little lag. */
      PROJECTION_LINGER_MS: env.durationMs(20),
    },
    source,
  );
export type MetricsConfig = ReturnType<typeof loadMetricsConfig>;
