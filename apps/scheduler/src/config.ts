import { env, loadConfig } from '@aether/service-kit';

export const loadSchedulerConfig = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig({ NATS_URL: env.natsUrl, PORT: env.port(8082), LOG_LEVEL: env.logLevel }, source);
export type SchedulerConfig = ReturnType<typeof loadSchedulerConfig>;
