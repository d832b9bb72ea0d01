import { z } from 'zod';
import { DEFAULT_RETRY_DELAYS_MS, DeadlineConsequenceSchema } from '@aether/contracts';
import { env, loadConfig, topologyEnv } from '@aether/service-kit';

const delays = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map(Number),
  )
  .pipe(z.array(z.number().int().min(0)).max(20));

export const loadDispatcherConfig = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      NATS_URL: env.natsUrl,
      NATS_TOKEN: env.natsToken,
      NATS_CREDS_FILE: env.natsCredsFile,
      ...topologyEnv,
      PORT: env.port(8083),
      HOST: env.host,
      LOG_LEVEL: env.logLevel,
      /** Default job retry schedule (comma-separated ms) for workflows without a dispatch policy. */
      RETRY_DELAYS_MS: delays.default([...DEFAULT_RETRY_DELAYS_MS]),
      /** Default jitter: each delay is scaled by a factor in [1 - j, 1 + j]. */
      RETRY_JITTER: z.coerce.number().min(0).max(1).default(0.2),
      /** A waiting job gains one priority level per this much waiting. */
      AGING_MS: env.durationMs(60_000),
      /** How long a job may wait for a capable robot to register before it is rejected as NoCapableRobot. */
      NO_CAPABLE_ROBOT_GRACE_MS: env.durationMs(10_000),
      /**
       * Jobs placed on a robot beyond its free slots, queued on its own subject so it never waits
       * for the dispatcher between two jobs. 0 keeps every waiting job movable until a slot frees.
       */
      PREFETCH: z.coerce.number().int().min(0).max(64).default(0),
      /**
       * How long past its limit a robot may report a step in its heartbeats before the dispatcher
       * declares it stalled for it (ADR 61): the robot's own watchdog acts at the limit, and its
       * screenshot and teardown are bounded to 4 s together.
       */
      STALL_GRACE_MS: env.durationMs(15_000),
      /** What a missed deadline does to a job whose request named nothing (ADR 66). */
      DEADLINE_MISSED: DeadlineConsequenceSchema.default('keep'),
      /** How often the deadline forecast plays the queue forward. */
      FORECAST_INTERVAL_MS: env.durationMs(5_000),
      /**
       * The read model, for the workflows' measured durations the deadline forecast uses; absent:
       * no forecast (no `JobAtRisk`), missed deadlines are still recorded.
       */
      DATABASE_URL: z
        .string()
        .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// URL')
        .optional(),
      /**
       * A step runs at most this many times its node's measured p99 (ADR 65) when that is earlier
       * than its timeout; nodes with fewer than STALL_P99_MIN_STEPS completed steps in 7 days keep
       * their timeout, and no limit is below STALL_P99_FLOOR_MS.
       */
      STALL_P99_FACTOR: z.coerce.number().min(1).max(1_000).default(5),
      STALL_P99_MIN_STEPS: env.positiveInt(50),
      STALL_P99_FLOOR_MS: env.durationMs(5_000),
      /** How often those durations are read again. */
      DURATIONS_REFRESH_MS: env.durationMs(60_000),
      /** Failover checks, rejections and the replay checkpoint run on this period. */
      RECONCILE_INTERVAL_MS: env.durationMs(1_000),
    },
    source,
  );
export type DispatcherConfig = ReturnType<typeof loadDispatcherConfig>;
