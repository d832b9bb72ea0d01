import { hostname } from 'node:os';
import { env, loadConfig, topologyEnv } from '@aether/service-kit';

export const loadSchedulerConfig = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      NATS_URL: env.natsUrl,
      NATS_TOKEN: env.natsToken,
      NATS_CREDS_FILE: env.natsCredsFile,
      ...topologyEnv,
      PORT: env.port(8082),
      HOST: env.host,
      LOG_LEVEL: env.logLevel,
      /** A cron occurrence found at most this late (a restart, a slow timer) still fires as on time. */
      MISFIRE_GRACE_MS: env.durationMs(5_000),
      /** How often the queue keeper releases items of ended jobs and fires queue triggers. */
      QUEUE_SWEEP_MS: env.durationMs(1_000),
      /** Pause between two polls of every mail trigger's mailbox. */
      MAIL_POLL_MS: env.durationMs(15_000),
      /** Names this replica in `ScheduleFired.firedBy`. */
      REPLICA_ID: env.name(`${hostname().replace(/[^A-Za-z0-9_-]/g, '-')}-${process.pid}`),
    },
    source,
  );
export type SchedulerConfig = ReturnType<typeof loadSchedulerConfig>;
