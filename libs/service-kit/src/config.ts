import { z } from 'zod';
import { STREAMS, type StreamName } from '@aether/contracts';
import type { StreamLimits, StreamSettings } from '@aether/event-store';

/** Raised at start-up when the environment is wrong; names every bad variable at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Parses environment variables once, at start-up, into a typed object. Keys of the
 * schema are the variable names, so every error names the variable to fix.
 */
export function loadConfig<TShape extends z.ZodRawShape>(
  shape: TShape,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<TShape>> {
  const input = Object.fromEntries(
    Object.keys(shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const result = z.object(shape).safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const key = String(issue.path[0]);
      const got = env[key];
      return `${key}: ${issue.message}${got === undefined ? ' (not set)' : ` (got "${redactIfSecret(key, got)}")`}`;
    }),
  );
}

function redactIfSecret(key: string, value: string): string {
  return /PASS|SECRET|TOKEN|KEY|CREDENTIAL/i.test(key) ? '***' : value;
}

/** Reusable variable definitions. */
export const env = {
  natsUrl: z
    .string()
    .regex(/^(nats|tls|ws|wss):\/\/[^\s]+$/, 'must be a nats:// URL (comma-separate several)')
    .default('nats://127.0.0.1:4222'),
  /** Token the NATS servers require (their `authorization { token }`); unset where they require none. */
  natsToken: z.string().min(16, 'at least 16 characters').optional(),
  /** The service's own NATS `.creds` file (JWT and seed, ADR 38), where the servers require credentials. */
  natsCredsFile: z.string().min(1).optional(),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/aether'),
  /** Address the HTTP port (`/health`, `/metrics`) binds: `0.0.0.0` in a container. */
  host: z.union([z.ipv4(), z.literal('localhost')]).default('127.0.0.1'),
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  durationMs: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  name: (fallback: string) =>
    z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-" only')
      .default(fallback),
};

const optionalCount = z.coerce.number().int().positive().optional();
const csv = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9_:.-]+$/, 'tags are letters, digits and "_:.-"')))
  .optional();

/**
 * Where the streams and KV buckets live and how much they keep. Every service that connects
 * to NATS spreads this into its configuration; unset values leave existing streams as they are.
 */
export const topologyEnv = {
  /** Copies of every stream and KV bucket: 1 on one machine, 3 in a cluster. JetStream allows 1–5. */
  STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).optional(),
  /** Cluster the streams are placed in (JetStream `placement.cluster`). */
  STREAM_PLACEMENT_CLUSTER: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  /** Comma-separated server tags every replica's server must carry (JetStream `placement.tags`). */
  STREAM_PLACEMENT_TAGS: csv,
  ...Object.fromEntries(
    Object.values(STREAMS).flatMap((stream) => [
      [`${stream}_MAX_AGE_MS`, optionalCount],
      [`${stream}_MAX_BYTES`, optionalCount],
    ]),
  ),
} as {
  STREAM_REPLICAS: z.ZodOptional<z.ZodCoercedNumber<unknown>>;
  STREAM_PLACEMENT_CLUSTER: z.ZodOptional<z.ZodString>;
  STREAM_PLACEMENT_TAGS: typeof csv;
} & Record<`${StreamName}_MAX_AGE_MS` | `${StreamName}_MAX_BYTES`, typeof optionalCount>;

export type TopologyConfig = z.infer<z.ZodObject<typeof topologyEnv>>;

/** The stream settings a parsed configuration asks for. */
export function streamSettingsFrom(config: TopologyConfig): Partial<StreamSettings> {
  const limits: Partial<Record<StreamName, StreamLimits>> = {};
  for (const stream of Object.values(STREAMS)) {
    const maxAgeMs = config[`${stream}_MAX_AGE_MS`];
    const maxBytes = config[`${stream}_MAX_BYTES`];
    if (maxAgeMs !== undefined || maxBytes !== undefined)
      limits[stream] = {
        ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
        ...(maxBytes !== undefined ? { maxBytes } : {}),
      };
  }
  const cluster = config.STREAM_PLACEMENT_CLUSTER;
  const tags = config.STREAM_PLACEMENT_TAGS;
  return {
    ...(config.STREAM_REPLICAS !== undefined ? { replicas: config.STREAM_REPLICAS } : {}),
    ...(cluster || tags?.length
      ? { placement: { ...(cluster ? { cluster } : {}), ...(tags?.length ? { tags } : {}) } }
      : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
  };
}
