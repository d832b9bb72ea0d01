import { hostname } from 'node:os';
import { z } from 'zod';
import { EgressPolicy } from '@aether/egress';
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
      /**
       * Where mail triggers' IMAP connections may go: comma-separated host names, `*.domain`,
       * addresses and CIDR ranges. Unset: anywhere but link-local and cloud metadata addresses,
       * which are refused unless named exactly (ADR 79).
       */
      MAIL_TRIGGER_EGRESS_ALLOW: z
        .string()
        .optional()
        .transform((list, ctx) => {
          try {
            return EgressPolicy.parse(list, { listName: 'MAIL_TRIGGER_EGRESS_ALLOW' });
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
            return z.NEVER;
          }
        }),
      /**
       * The gateway's vault master key, so mail triggers read their mailbox URL from the vault
       * (ADR 68). Without it (or without `VAULT_MASTER_KEY_FILE` existing) only the environment.
       */
      AETHER_MASTER_KEY: z.string().min(1).optional(),
      AETHER_MASTER_KEY_OTHERS: z.string().min(1).optional(),
      VAULT_MASTER_KEY_FILE: z.string().min(1).optional(),
      /** Names this replica in `ScheduleFired.firedBy`. */
      REPLICA_ID: env.name(`${hostname().replace(/[^A-Za-z0-9_-]/g, '-')}-${process.pid}`),
    },
    source,
  );
export type SchedulerConfig = ReturnType<typeof loadSchedulerConfig>;
