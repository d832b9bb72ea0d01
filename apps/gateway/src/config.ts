import { env, loadConfig, topologyEnv } from '@aether/service-kit';

export const loadGatewayConfig = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      NATS_URL: env.natsUrl,
      NATS_TOKEN: env.natsToken,
      ...topologyEnv,
      DATABASE_URL: env.databaseUrl,
      PORT: env.port(8080),
      /** Interface to listen on; 0.0.0.0 in containers. */
      HOST: env.host,
      LOG_LEVEL: env.logLevel,
    },
    source,
  );
export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
