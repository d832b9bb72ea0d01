import { z } from 'zod';
import { SecretRefSchema } from '@aether/contracts';

/** How workflows name a secret (`secrets.<name>`): an identifier, at most 128 characters. */
export const SecretNameSchema = SecretRefSchema;

/**
 * Names the platform keeps for itself start with `__` (a webhook's signing key): never listed,
 * written, removed through the secrets API, nor handed to a robot.
 */
export const INTERNAL_SECRET_PREFIX = '__';
export const isInternalSecretName = (name: string): boolean => name.startsWith(INTERNAL_SECRET_PREFIX);

/** Where a webhook's HMAC signing key lives in its tenant's vault. */
export function hookSecretName(hookId: string): string {
  return `${INTERNAL_SECRET_PREFIX}hook_${Buffer.from(hookId).toString('hex')}`;
}

/** Secret values are text up to 64 KiB (a password, a token, a PEM key). */
export const SecretValueSchema = z.string().min(1).max(65_536);

/** What may be known about a secret without reading it. */
export interface SecretMetadata {
  readonly name: string;
  readonly updatedAt: string;
  /** The principal (`subject`) that last wrote it. */
  readonly updatedBy: string;
}

/** A secret that exists but cannot be read: its tenant's key was destroyed, or its ciphertext was altered. */
export class SecretUnreadableError extends Error {
  override readonly name = 'SecretUnreadableError';
  readonly retryable = false;
  constructor(
    message: string,
    readonly reason: 'key-destroyed' | 'tampered' | 'unknown-master-key',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Where secrets live, per tenant. The built-in implementation encrypts into a JetStream KV
 * bucket (`KvSecretVault`); an external store (HashiCorp Vault / OpenBao KV v2) can stand
 * behind the same calls (ADR 36). Values only ever leave through `read`.
 */
export interface SecretVault {
  /** Creates or replaces a secret. */
  write(tenantId: string, name: string, value: string, by: string): Promise<SecretMetadata>;
  /** The value, or `undefined` when there is no such secret. Throws `SecretUnreadableError`. */
  read(tenantId: string, name: string): Promise<string | undefined>;
  /** The tenant's secrets, by name; never their values. */
  list(tenantId: string): Promise<SecretMetadata[]>;
  /** Removes a secret; false when there was none. */
  remove(tenantId: string, name: string): Promise<boolean>;
  /**
   * Crypto-shredding: destroys the tenant's data key, so every secret it sealed (in the bucket,
   * its replicas and any backup) can never be read again. Other tenants are untouched.
   */
  destroyTenantKey(tenantId: string): Promise<void>;
  /**
   * Replaces the tenant's data key and reseals every secret under the new one; secrets stay
   * readable throughout, and the old key is dropped once nothing refers to it. Answers the new
   * key's id (never a key) and how many secrets were resealed.
   */
  rotateDataKey(tenantId: string): Promise<{ readonly dataKeyId: string; readonly resealed: number }>;
}
