import { existsSync } from 'node:fs';
import type { NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_TENANT } from '@aether/contracts';
import { KvSecretVault, loadMasterKeyring, type SecretVault } from '@aether/vault';

/** The value of a tenant's secret by name, or `undefined` when it has none. */
export type SecretLookup = (tenantId: string, name: string) => Promise<string | undefined>;

/**
 * The mailbox URLs of mail triggers (ADR 68): from the vault, any tenant, when the scheduler has
 * the master key; else (or for a name the vault lacks) from its environment as a robot without a
 * vault reads them: `apInbox` → `AETHER_SECRET_AP_INBOX`, tenant `default` only. Only the secret a
 * trigger's definition names is ever asked for, and the value goes nowhere but the IMAP client.
 */
export function mailboxSecrets(vault: SecretVault | undefined, env: NodeJS.ProcessEnv): SecretLookup {
  return async (tenantId, name) =>
    (await vault?.read(tenantId, name)) ??
    (tenantId === DEFAULT_TENANT
      ? env[`AETHER_SECRET_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`]
      : undefined);
}

/**
 * The vault, when the scheduler is given the gateway's master key (`AETHER_MASTER_KEY`, or a
 * `VAULT_MASTER_KEY_FILE` that exists: the scheduler never generates a key of its own).
 */
export async function openMailboxVault(
  nc: NatsConnection,
  config: { AETHER_MASTER_KEY?: string; AETHER_MASTER_KEY_OTHERS?: string; VAULT_MASTER_KEY_FILE?: string },
): Promise<SecretVault | undefined> {
  const file = config.VAULT_MASTER_KEY_FILE;
  if (!config.AETHER_MASTER_KEY && !(file && existsSync(file))) return undefined;
  const keyring = loadMasterKeyring({
    current: config.AETHER_MASTER_KEY,
    others: config.AETHER_MASTER_KEY_OTHERS,
    file: file ?? '',
  });
  return KvSecretVault.open(nc, keyring);
}
