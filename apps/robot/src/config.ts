import { hostname } from 'node:os';
import { z } from 'zod';
import { EgressPolicy } from '@aether/egress';
import { env, loadConfig } from '@aether/service-kit';

export const loadRobotConfig = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      NATS_URL: env.natsUrl,
      NATS_TOKEN: env.natsToken,
      /**
       * The robot's own `.creds` file (ADR 38). With it the robot runs least-privilege: it binds to
       * the streams and the work consumer the platform made, and uses its own inbox prefix.
       */
      NATS_CREDS_FILE: env.natsCredsFile,
      /** A one-time enrolment token: exchanged at AETHER_GATEWAY_URL for NATS_CREDS_FILE when that file is missing. */
      ROBOT_ENROLMENT_TOKEN: z.string().min(1).optional(),
      AETHER_GATEWAY_URL: z.url({ protocol: /^https?$/ }).optional(),
      PORT: env.port(8087),
      HOST: env.host,
      LOG_LEVEL: env.logLevel,
      ROBOT_ID: env.name(`${hostname().replace(/[^A-Za-z0-9_-]/g, '-')}-${process.pid}`),
      POOL: env.name('default'),
      /** The agent's version, shown on the console's robot page: the package's when npm runs it. */
      AETHER_VERSION: z
        .string()
        .max(100)
        .default(source['npm_package_version'] ?? 'development'),
      /** The job lease (work consumer `ack_wait`). */
      LEASE_MS: env.durationMs(30_000),
      MAX_DELIVER: env.positiveInt(5),
      MAX_CONCURRENT_JOBS: env.positiveInt(1),
      SHUTDOWN_GRACE_MS: env.durationMs(10_000),
      /** Folder the file nodes may read and write. */
      FILES_ROOT: z.string().min(1).default('.data/robot-files'),
      CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
      /** Connections open at once to one database by `db.*` steps. */
      DB_CONNECTIONS_PER_DATABASE: env.positiveInt(4),
      /** Connections one job holds at once. */
      DB_CONNECTIONS_PER_JOB: env.positiveInt(2),
      /** A database lease held longer is force-released and its connection closed. */
      DB_LEASE_TTL_MS: env.durationMs(10 * 60_000),
      /**
       * Healing's visual tier 3 (ADR 75): fingerprints record a screenshot crop of the element (and
       * OCR of its drawn text), and a heal tiers 1–2 refuse, or take among look-alike twins, is
       * checked on screen. `false` turns it off (no screenshots or OCR at record or heal time).
       */
      HEAL_VISUAL: z
        .enum(['true', 'false'])
        .default('true')
        .transform((value) => value === 'true'),
      /**
       * Tiers 1–2's wall-clock time in one heal; past it the heal is refused (`timeout`) and the step
       * fails. A heal takes tens of ms on a quiet machine; the benchmark's goal stays 400 ms, but a
       * busy robot must not fail jobs it could heal (ADR 20).
       */
      HEAL_BUDGET_MS: env.durationMs(2_000),
      /** Tier 3's wall-clock time in one heal (screenshots and OCR of the candidates), after tiers 1–2's. */
      HEAL_VISUAL_BUDGET_MS: env.durationMs(2_000),
      /** How long a record or heal waits for the OCR worker to start, once per robot; past it that one goes without OCR. */
      HEAL_OCR_START_MS: env.durationMs(15_000),
      /**
       * The robot's own credential for the vault: an API key (or token) of role `robot`, tenant
       * ROBOT_TENANT, named ROBOT_ID. Unset: secrets come from `AETHER_SECRET_*` (development only).
       */
      ROBOT_CREDENTIAL: z.string().min(1).optional(),
      /**
       * Where `http.request`, browser, `db.*` and `mail.*` steps may go: comma-separated host
       * names, `*.domain`, addresses and CIDR ranges. Unset: anywhere but link-local and cloud
       * metadata addresses, which are refused unless named exactly. Set per robot, so per pool and
       * tenant.
       */
      ROBOT_EGRESS_ALLOW: z
        .string()
        .optional()
        .transform((value, ctx) => {
          try {
            return EgressPolicy.parse(value);
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
            return z.NEVER;
          }
        }),
    },
    source,
  );
export type RobotConfig = ReturnType<typeof loadRobotConfig>;
