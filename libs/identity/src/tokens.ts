import {
  SignJWT,
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { TenantIdSchema } from '@aether/contracts';
import { RoleSchema, type Principal, type Role } from './roles';
import { SIGNING_ALGORITHM, type SigningKey } from './signing-key';

/** Claims the embedded issuer writes, and reads by default from an external one. */
export const TENANT_CLAIM = 'aether_tenant';
export const ROLE_CLAIM = 'aether_role';

/** `iss` and `aud` of the embedded issuer's tokens unless configured otherwise. */
export const DEFAULT_ISSUER = 'urn:aether:gateway';
export const DEFAULT_AUDIENCE = 'aether-api';

/** A bearer token that is missing, malformed, expired, badly signed or for someone else. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

export interface EmbeddedIssuer {
  /** `iss` of the tokens the gateway signs itself. */
  readonly issuer: string;
  readonly audience: string;
  readonly key: SigningKey;
}

export interface TokenClaims {
  readonly subject: string;
  readonly name: string;
  readonly tenantId: string;
  readonly role: Role;
}

/** Signs an access token with the embedded issuer's key. */
export async function issueAccessToken(
  issuer: EmbeddedIssuer,
  claims: TokenClaims,
  ttlSeconds: number,
): Promise<string> {
  return new SignJWT({ name: claims.name, [TENANT_CLAIM]: claims.tenantId, [ROLE_CLAIM]: claims.role })
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: issuer.key.kid, typ: 'JWT' })
    .setIssuer(issuer.issuer)
    .setAudience(issuer.audience)
    .setSubject(claims.subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(issuer.key.privateKey);
}

/** An OpenID Connect issuer whose tokens are accepted too (`OIDC_ISSUER_URL`). */
export interface ExternalIssuer {
  readonly issuerUrl: string;
  readonly audience: string;
  /** Claim naming the tenant; tokens without it are refused. Default `aether_tenant`. */
  readonly tenantClaim?: string;
  /** Claim naming the role; tokens without a known role are refused. Default `aether_role`. */
  readonly roleClaim?: string;
  /** How long fetched keys are trusted before a refresh, ms. Default 10 min (an unknown `kid` refetches sooner). */
  readonly keysMaxAgeMs?: number;
  /** Least time between two refetches, ms. Default 30 s. */
  readonly refetchCooldownMs?: number;
}

export interface VerifierOptions {
  readonly embedded: EmbeddedIssuer;
  readonly external?: ExternalIssuer;
  /** Allowed clock difference with the issuer, seconds. Default 30. */
  readonly clockToleranceSeconds?: number;
}

/** Verifies bearer tokens from the embedded issuer and, when configured, one OIDC issuer (keys cached and rotated). */
export class AccessTokenVerifier {
  private readonly localKeys: JWTVerifyGetKey;
  private externalKeys?: Promise<JWTVerifyGetKey>;

  constructor(private readonly options: VerifierOptions) {
    this.localKeys = createLocalJWKSet({ keys: [options.embedded.key.publicJwk] });
  }

  async verify(token: string): Promise<Principal> {
    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw new InvalidTokenError('malformed token');
    }
    const { embedded, external } = this.options;
    if (issuer === embedded.issuer)
      return this.check(token, this.localKeys, embedded.issuer, embedded.audience);
    if (external && issuer && stripSlash(issuer) === stripSlash(external.issuerUrl)) {
      const keys = await this.remoteKeys(external);
      return this.check(
        token,
        keys,
        issuer,
        external.audience,
        external.tenantClaim ?? TENANT_CLAIM,
        external.roleClaim ?? ROLE_CLAIM,
      );
    }
    throw new InvalidTokenError('token from an unknown issuer');
  }

  private async check(
    token: string,
    keys: JWTVerifyGetKey,
    issuer: string,
    audience: string,
    tenantClaim = TENANT_CLAIM,
    roleClaim = ROLE_CLAIM,
  ): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer,
        audience,
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new InvalidTokenError(describe(error));
      throw error;
    }
    const tenant = TenantIdSchema.safeParse(payload[tenantClaim]);
    const role = RoleSchema.safeParse(payload[roleClaim]);
    if (!tenant.success) throw new InvalidTokenError(`token has no valid "${tenantClaim}" claim`);
    if (!role.success) throw new InvalidTokenError(`token has no valid "${roleClaim}" claim`);
    const name = [payload['name'], payload['email'], payload.sub].find((v) => typeof v === 'string');
    return {
      subject: payload.sub as string,
      name: name as string,
      tenantId: tenant.data,
      role: role.data,
      via: 'token',
    };
  }

  private remoteKeys(external: ExternalIssuer): Promise<JWTVerifyGetKey> {
    this.externalKeys ??= discoverJwks(external);
    this.externalKeys.catch(() => (this.externalKeys = undefined));
    return this.externalKeys;
  }
}

async function discoverJwks(external: ExternalIssuer): Promise<JWTVerifyGetKey> {
  const url = `${stripSlash(external.issuerUrl)}/.well-known/openid-configuration`;
  const response = await fetch(url);
  if (!response.ok) throw new InvalidTokenError(`OIDC discovery at ${url} answered ${response.status}`);
  const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: string };
  if (!jwksUri) throw new InvalidTokenError(`OIDC discovery at ${url} names no jwks_uri`);
  return createRemoteJWKSet(new URL(jwksUri), {
    cacheMaxAge: external.keysMaxAgeMs ?? 600_000,
    cooldownDuration: external.refetchCooldownMs ?? 30_000,
  });
}

function describe(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `token claim "${error.claim}" is not acceptable`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'token signed with an unknown key';
  return 'invalid token';
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
