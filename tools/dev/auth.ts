import {
  DEFAULT_AUDIENCE,
  DEFAULT_ISSUER,
  issueAccessToken,
  loadOrCreateSigningKey,
  type EmbeddedIssuer,
  type Role,
} from '@aether/identity';

export interface TokenRequest {
  /** Default `default`. */
  readonly tenantId?: string;
  /** Default `admin`. */
  readonly role?: Role;
  /** Default `<role>@<tenant>`. */
  readonly name?: string;
  /** Default `test:<name>`. */
  readonly subject?: string;
  /** Default one day. */
  readonly ttlSeconds?: number;
}

/** Mints tokens the stack's gateway accepts, with the signing key the launcher gave it. */
export interface StackAuth {
  readonly signingKeyFile: string;
  token(request?: TokenRequest): Promise<string>;
}

export async function stackAuth(signingKeyFile: string): Promise<StackAuth> {
  const issuer: EmbeddedIssuer = {
    issuer: DEFAULT_ISSUER,
    audience: DEFAULT_AUDIENCE,
    key: await loadOrCreateSigningKey(signingKeyFile),
  };
  return {
    signingKeyFile,
    token({ tenantId = 'default', role = 'admin', name, subject, ttlSeconds = 86_400 } = {}) {
      const who = name ?? `${role}@${tenantId}`;
      return issueAccessToken(
        issuer,
        { subject: subject ?? `test:${who}`, name: who, tenantId, role },
        ttlSeconds,
      );
    },
  };
}

const ADMIN_TOKENS = new Map<string, string>();

/** Remembers the admin token of a gateway this process started, for the helpers that take only its URL. */
export function rememberAdminToken(gatewayUrl: string, token: string): void {
  ADMIN_TOKENS.set(gatewayUrl, token);
}

/**
 * Headers that sign a call in as the default tenant's admin, for a gateway started by this
 * process (`startStack`); none for any other.
 */
export function gatewayHeaders(gatewayUrl: string): Record<string, string> {
  const token = ADMIN_TOKENS.get(gatewayUrl.replace(/\/+$/, ''));
  return token ? { authorization: `Bearer ${token}` } : {};
}
