import { z } from 'zod';
import { EgressPolicy } from '@aether/egress';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '@aether/identity';
import { env, loadConfig, topologyEnv } from '@aether/service-kit';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const loadGatewayConfig = (source: NodeJS.ProcessEnv = process.env) =>
  loadConfig(
    {
      NATS_URL: env.natsUrl,
      NATS_TOKEN: env.natsToken,
      NATS_CREDS_FILE: env.natsCredsFile,
      /**
       * The NATS operator and account seeds (ADR 38): with it the gateway enrols and revokes robots.
       * As sensitive as the vault's master key.
       */
      NATS_AUTHORITY_FILE: z.string().min(1).optional(),
      ...topologyEnv,
      DATABASE_URL: env.databaseUrl,
      PORT: env.port(8080),
      /** Interface to listen on; 0.0.0.0 in containers. */
      HOST: env.host,
      LOG_LEVEL: env.logLevel,
      /** How long a trigger's `Idempotency-Key` keeps answering with its first job. Default 24 h. */
      IDEMPOTENCY_RETENTION_MS: env.durationMs(24 * 3_600_000),
      /** The console's build, served at `/` (relative to the working directory). */
      CONSOLE_DIR: z.string().min(1).default('dist/apps/console/browser'),
      /** Bytes a live-feed client may have waiting to be sent before it is dropped as too slow. Default 1 MiB. */
      LIVE_MAX_BUFFERED_BYTES: env.positiveInt(1024 * 1024),
      /** How long a dropped live client has to read its close frame before its connection is cut. */
      LIVE_DROP_GRACE_MS: env.durationMs(5000),
      /** The embedded issuer's private key (JWK); generated there, mode 0600, when missing. */
      AUTH_SIGNING_KEY_FILE: z.string().min(1).default('.data/auth/signing-key.json'),
      AUTH_ISSUER: z.string().min(1).default(DEFAULT_ISSUER),
      AUTH_AUDIENCE: z.string().min(1).default(DEFAULT_AUDIENCE),
      /** Lifetime of the tokens the embedded issuer signs, seconds. */
      AUTH_TOKEN_TTL_S: seconds(8 * 3600),
      /** Allowed clock difference with an issuer, seconds. */
      AUTH_CLOCK_SKEW_S: z.coerce.number().int().min(0).max(600).default(30),
      /** Sign-in attempts per client address per minute. */
      AUTH_SIGNIN_LIMIT: env.positiveInt(20),
      /** An OpenID Connect issuer whose tokens are accepted too (keys from its discovery document). */
      OIDC_ISSUER_URL: z.url({ protocol: /^https?$/ }).optional(),
      OIDC_AUDIENCE: z.string().min(1).default(DEFAULT_AUDIENCE),
      OIDC_TENANT_CLAIM: z.string().min(1).default('aether_tenant'),
      OIDC_ROLE_CLAIM: z.string().min(1).default('aether_role'),
      /** The vault's current master key, base64 of 32 bytes; wins over the key file (ADR 36). */
      AETHER_MASTER_KEY: z.string().min(1).optional(),
      /** Comma-separated master keys that may still (or already) unwrap data keys during a rotation. */
      AETHER_MASTER_KEY_OTHERS: z.string().min(1).optional(),
      /** The master key file when AETHER_MASTER_KEY is not set; generated there, mode 0600, when missing. */
      VAULT_MASTER_KEY_FILE: z.string().min(1).default('.data/vault/master-keys.json'),
      /**
       * Hosts outbound subscriptions may reach over plain `http:` (comma-separated, e.g.
       * `127.0.0.1,localhost` in development); every other endpoint must be `https:`.
       */
      OUTBOUND_ALLOW_HTTP_HOSTS: z
        .string()
        .default('')
        .transform((hosts) =>
          hosts
            .split(',')
            .map((host) => host.trim())
            .filter(Boolean),
        ),
      /**
       * Loopback, private or reserved destinations outbound deliveries may reach anyway
       * (comma-separated names, `*.domain`, addresses, CIDR ranges; e.g. `127.0.0.1` in
       * development). Everything else must be a public address, at subscription and at every
       * connection (ADR 69).
       */
      OUTBOUND_EGRESS_ALLOW: z
        .string()
        .default('')
        .transform((list, ctx) => {
          try {
            return EgressPolicy.parse(list, { mode: 'public', listName: 'OUTBOUND_EGRESS_ALLOW' });
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
            return z.NEVER;
          }
        }),
      /** One delivery's time-out. Default 10 s. */
      OUTBOUND_TIMEOUT_MS: env.durationMs(10_000),
      /** Attempts of one delivery before it is parked. Default 20 (about 2 h with the default backoff). */
      OUTBOUND_MAX_ATTEMPTS: env.positiveInt(20),
      /** The first retry's delay; each next one doubles, up to the cap; half of each is jitter. */
      OUTBOUND_BACKOFF_BASE_MS: env.durationMs(1_000),
      OUTBOUND_BACKOFF_CAP_MS: env.durationMs(10 * 60_000),
    },
    source,
  );
export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
