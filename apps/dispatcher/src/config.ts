import { env, loadConfig } from '@aether/service-kit';

export const loadDispatcherConfig = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      NATS_URL: env.natsUrl,
      PORT: env.port(8083),
      LOG_LEVEL: env.logLevel,
      DEFAULT_POOL: env.name('default'),
    },
    source,
  );
export type DispatcherConfig = ReturnType<typeof loadDispatcherConfig>;
