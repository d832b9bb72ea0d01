import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@aether/service-kit';
import { KvSecretVault, loadMasterKeyring, type SecretVault } from '@aether/vault';
import type { GatewayConfig } from '../config';

/**
 * The vault behind the secrets routes and robots' secret requests. At start-up it rewraps, in the
 * background, every data key the current master key did not wrap: rolling out a new current key
 * (that every replica already knew as another key) is the whole rotation (ADR 36).
 */
export async function openVault(
  nc: NatsConnection,
  config: GatewayConfig,
  logger: Logger,
): Promise<SecretVault> {
  const keyring = loadMasterKeyring({
    current: config.AETHER_MASTER_KEY,
    others: config.AETHER_MASTER_KEY_OTHERS,
    file: config.VAULT_MASTER_KEY_FILE,
  });
  const vault = await KvSecretVault.open(nc, keyring);
  vault
    .rewrap()
    .then((report) => {
      if (report.rewrapped > 0)
        logger.info(
          { ...report, masterKey: keyring.current.kid },
          'vault data keys rewrapped to the current master key',
        );
    })
    .catch((error: unknown) =>
      logger.error({ err: error }, 'rewrapping vault data keys failed; reads still work'),
    );
  return vault;
}
