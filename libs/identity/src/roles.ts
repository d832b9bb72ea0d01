import { z } from 'zod';
import { TenantIdSchema } from '@aether/contracts';

/**
 * Who may do what. People get `admin`, `operator`, `developer` or `viewer`; `robot` is for
 * machine identities that run jobs and never call the people's API.
 */
export const ROLES = ['admin', 'operator', 'developer', 'viewer', 'robot'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** The roles a person can hold (everything but `robot`). */
export const PERSON_ROLES = ['admin', 'operator', 'developer', 'viewer'] as const satisfies readonly Role[];

export const UsernameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,63}$/,
    'user names are lower-case letters, digits, ".", "_" and "-" (max 64)',
  );

/** An authenticated caller, as every guard and handler sees it. */
export const PrincipalSchema = z.object({
  /** Stable id of the caller: `user:<name>`, `key:<id>`, or the external issuer's `sub`. */
  subject: z.string().min(1),
  /** What a person reads: the user name, the key's name, or the token's `name`/`email`. */
  name: z.string(),
  tenantId: TenantIdSchema,
  role: RoleSchema,
  /** How the caller proved it: a signed token (ours or an OIDC issuer's) or an API key. */
  via: z.enum(['token', 'api-key']),
});
export type Principal = z.infer<typeof PrincipalSchema>;
