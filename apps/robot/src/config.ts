import { hostname } from 'node:os';
import { z } from 'zod';
import { EgressPolicy } from '@aether/nodes';
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
       * The robot's own credential for the vault: an API key (or token) of role `robot`, tenant
       * ROBOT_TENANT, named ROBOT_ID. Unset: secrets come from `AETHER_SECRET_*` (development only).
       */
      ROBOT_CREDENTIAL: z.string().min(1).optional(),
      /**
       * Where `http.request` steps may go: comma-separated host names, `*.domain`, addresses and
       * CIDR ranges. Unset: anywhere but link-local and cloud metadata addresses, which are refused
       * unless named exactly. Set per robot, so per pool and tenant.
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
