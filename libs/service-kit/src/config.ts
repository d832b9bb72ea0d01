import { z } from 'zod';

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
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/aether'),
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
