import { env, loadConfig, topologyEnv } from '@aether/service-kit';

export const loadConfigFromEnv = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      NATS_URL: env.natsUrl,
      NATS_TOKEN: env.natsToken,
      NATS_CREDS_FILE: env.natsCredsFile,
      ...topologyEnv,
      PORT: env.port(8085),
      HOST: env.host,
      LOG_LEVEL: env.logLevel,
    },
    source,
  );
export type ServiceConfig = ReturnType<typeof loadConfigFromEnv>;
