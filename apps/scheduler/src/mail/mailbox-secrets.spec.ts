import type { SecretVault } from '@aether/vault';
import { mailboxSecrets } from './mailbox-secrets';

describe('mailboxSecrets', () => {
  const vault = {
    read: async (tenantId: string, name: string) =>
      tenantId === 'acme' && name === 'apInbox' ? 'imaps://vault@acme' : undefined,
  } as Pick<SecretVault, 'read'> as SecretVault;
  const env = { AETHER_SECRET_AP_INBOX: 'imaps://env@default' };

  it('reads the vault first, for any tenant', async () => {
    await expect(mailboxSecrets(vault, env)('acme', 'apInbox')).resolves.toBe('imaps://vault@acme');
  });

  it('falls back to the environment for the default tenant only', async () => {
    await expect(mailboxSecrets(vault, env)('default', 'apInbox')).resolves.toBe('imaps://env@default');
    await expect(mailboxSecrets(undefined, env)('default', 'apInbox')).resolves.toBe('imaps://env@default');
    await expect(mailboxSecrets(undefined, env)('acme', 'apInbox')).resolves.toBeUndefined();
  });
});
