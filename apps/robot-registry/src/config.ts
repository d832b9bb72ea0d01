import { z } from 'zod';
import { env, loadConfig, topologyEnv } from '@aether/service-kit';

export const loadConfigFromEnv = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      NATS_URL: env.natsUrl,
      NATS_TOKEN: env.natsToken,
      NATS_CREDS_FILE: env.natsCredsFile,
      ...topologyEnv,
      PORT: env.port(8084),
      HOST: env.host,
      LOG_LEVEL: env.logLevel,
      /** Heartbeats a robot may miss before it is declared offline. */
      MISSED_HEARTBEATS: env.positiveInt(3),
      /** Silence after which a robot that declared no heartbeat period is declared offline. */
      OFFLINE_AFTER_MS: env.durationMs(15_000),
      /** How often presence is checked for silent robots. */
      SWEEP_INTERVAL_MS: env.durationMs(250),
      /**
       * How often every robot believed up is probed on its control subject; a probe that meets
       * "no responders" declares the robot offline at once (ADR 14). 0 turns probing off.
       */
      PROBE_INTERVAL_MS: z.coerce.number().int().min(0).default(250),
      /** How long one probe waits for the robot's answer; a timeout proves nothing. */
      PROBE_TIMEOUT_MS: env.durationMs(1_000),
      /** After the registry (re)connects or a robot registers, "no responders" needs an earlier answer this long. */
      PROBE_GRACE_MS: env.durationMs(3_000),
    },
    source,
  );
export type ServiceConfig = ReturnType<typeof loadConfigFromEnv>;
