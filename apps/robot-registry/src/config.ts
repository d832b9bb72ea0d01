import { env, loadConfig } from '@aether/service-kit';

export const loadConfigFromEnv = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      NATS_URL: env.natsUrl,
      PORT: env.port(8084),
      LOG_LEVEL: env.logLevel,
      /** Heartbeats a robot may miss before it is declared offline. */
      MISSED_HEARTBEATS: env.positiveInt(3),
      /** Silence after which a robot that declared no heartbeat period is declared offline. */
      OFFLINE_AFTER_MS: env.durationMs(15_000),
      /** How often presence is checked for silent robots. */
      SWEEP_INTERVAL_MS: env.durationMs(250),
    },
    source,
  );
export type ServiceConfig = ReturnType<typeof loadConfigFromEnv>;
