export {
  ROLES,
  PERSON_ROLES,
  RoleSchema,
  UsernameSchema,
  PrincipalSchema,
  type Role,
  type Principal,
} from './roles';
export { hashSecret, verifySecret } from './passwords';
export { writeSecretFile } from './secret-file';
export { loadOrCreateSigningKey, SIGNING_ALGORITHM, type SigningKey } from './signing-key';
export {
  AccessTokenVerifier,
  DEFAULT_AUDIENCE,
  DEFAULT_ISSUER,
  InvalidTokenError,
  issueAccessToken,
  ROLE_CLAIM,
  TENANT_CLAIM,
  type EmbeddedIssuer,
  type ExternalIssuer,
  type TokenClaims,
  type VerifierOptions,
} from './tokens';
export { UserDirectory, UserRecordSchema, type NewUser, type UserRecord } from './users';
export {
  API_KEY_PREFIX,
  ApiKeyStore,
  ApiKeyRecordSchema,
  isApiKey,
  type ApiKeyRecord,
  type ApiKeyView,
} from './api-keys';
export {
  AccountUpdateRefusedError,
  createNatsAuthority,
  createNatsUserSeed,
  credsGrantCurrentRobotRights,
  encodeAetherAccount,
  formatNatsCreds,
  issueNatsSystemUser,
  issueNatsUser,
  loadOrCreateNatsAuthority,
  natsAccountKey,
  natsServerAuthConfig,
  newEnrolmentSecret,
  pushAccountJwt,
  robotInboxPrefix,
  robotNatsPermissions,
  SERVICE_NATS_PERMISSIONS,
  type NatsAuthority,
  type NatsUserCredentials,
} from './nats-accounts';
export {
  ENROLMENT_TOKEN_PREFIX,
  EnrolmentRefusedError,
  RobotCredentials,
  RobotCredentialRecordSchema,
  type RobotCredentialRecord,
  type RobotEnrolment,
} from './robot-credentials';
export { exchangeEnrolmentToken, type RobotEnrolmentAnswer } from './robot-enrolment';
export {
  AETHER_SERVICES,
  SERVICE_NATS_RIGHTS,
  serviceNatsPermissions,
  type AetherService,
} from './service-nats-permissions';
