export {
  SecretNameSchema,
  SecretValueSchema,
  SecretUnreadableError,
  INTERNAL_SECRET_PREFIX,
  isInternalSecretName,
  hookSecretName,
  type SecretMetadata,
  type SecretVault,
} from './secret-vault';
export { KvSecretVault, type RewrapReport, type DataKeyRotationReport } from './kv-secret-vault';
export {
  MasterKeyring,
  MasterKeyConfigError,
  generateMasterKey,
  loadMasterKeyring,
  masterKey,
  type MasterKey,
  type MasterKeySources,
} from './master-keys';
export { TamperedCiphertextError } from './aead';
export { SealedBoxRecipient, sealTo, type SealedBox } from './sealed-box';
