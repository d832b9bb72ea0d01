import { z } from 'zod';
import { env, loadConfig, topologyEnv } from '@aether/service-kit';

export const loadGatewayConfig = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      NATS_URL: env.natsUrl,
      ...topologyEnv,
      DATABASE_URL: env.databaseUrl,
      PORT: env.port(8080),
      /** Interface to listen on; 0.0.0.0 in containers. */
      HOST: z.union([z.ipv4(), z.literal('localhost')]).default('127.0.0.1'),
      LOG_LEVEL: env.logLevel,
      /** The console's build, served at `/` (relative to the working directory). */
      CONSOLE_DIR: z.string().min(1).default('dist/apps/console/browser'),
    },
    source,
  );
export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
