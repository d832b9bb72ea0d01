import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeSecretFile } from './secret-file';
import {
  Algorithms,
  createAccount,
  createOperator,
  createUser,
  decode,
  encodeAccount,
  encodeOperator,
  encodeUser,
  fmtCreds,
  fromPublic,
  fromSeed,
  type Permissions,
  type RevocationList,
} from '@nats-io/jwt';
import type { NatsConnection } from '@nats-io/transport-node';
import { artifactsBucket, fingerprintsBucket, subjects, type TenantId } from '@aether/contracts';

/**
 * The keys of Aether's NATS trust chain (ADR 38): an operator, the system account (the
 * server's own, used to push account updates) and the one application account every service
 * and robot lives in. Seeds are secrets: whoever holds the account seed can mint users.
 */
export interface NatsAuthority {
  readonly operatorSeed: string;
  readonly systemAccountSeed: string;
  readonly accountSeed: string;
}

const opts = { algorithm: Algorithms.v2 };
/** jwt.js leaves an account's limits at 0 (no connections at all) unless they are given. */
const UNLIMITED = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
};
/** The control line a server must accept for the services' JWTs (64 KiB). */
export const NATS_MAX_CONTROL_LINE = 65_536;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function createNatsAuthority(): NatsAuthority {
  return {
    operatorSeed: decoder.decode(createOperator().getSeed()),
    systemAccountSeed: decoder.decode(createAccount().getSeed()),
    accountSeed: decoder.decode(createAccount().getSeed()),
  };
}

/** Reads the authority from `path`, or makes one and writes it there with mode 0600. */
export function loadOrCreateNatsAuthority(path: string): NatsAuthority {
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as NatsAuthority;
  const authority = createNatsAuthority();
  writeSecretFile(path, JSON.stringify(authority));
  return authority;
}

const key = (seed: string) => fromSeed(encoder.encode(seed));

/** The public keys, safe to show (`U…`/`A…`/`O…`). */
export function natsAccountKey(authority: NatsAuthority): string {
  return key(authority.accountSeed).getPublicKey();
}

/**
 * The application account's JWT, signed by the operator. JetStream is on without limits;
 * `revocations` maps a user's public key to the second from which its JWTs are refused: every
 * connection of that user is closed when the server learns of it.
 */
export function encodeAetherAccount(
  authority: NatsAuthority,
  revocations: RevocationList = {},
): Promise<string> {
  return encodeAccount(
    'AETHER',
    key(authority.accountSeed),
    {
      limits: {
        ...UNLIMITED,
        mem_storage: -1,
        disk_storage: -1,
        streams: -1,
        consumer: -1,
      },
      revocations,
    },
    { ...opts, signer: key(authority.operatorSeed) },
  );
}

/**
 * The part of a nats-server configuration that turns on decentralized authentication:
 * operator JWT, system account and a `full` resolver in `resolverDir` preloaded with both
 * accounts. Pushed account updates (revocations) persist in that folder across restarts.
 */
export async function natsServerAuthConfig(
  authority: NatsAuthority,
  resolverDir: string,
  revocations: RevocationList = {},
): Promise<string> {
  const operatorKey = key(authority.operatorSeed);
  const systemKey = key(authority.systemAccountSeed);
  const accountKey = key(authority.accountSeed);
  const operatorJwt = await encodeOperator(
    'AETHER',
    operatorKey,
    { system_account: systemKey.getPublicKey() },
    opts,
  );
  const systemJwt = await encodeAccount(
    'SYS',
    systemKey,
    { limits: UNLIMITED },
    { ...opts, signer: operatorKey },
  );
  const accountJwt = await encodeAetherAccount(authority, revocations);
  return [
    `operator: ${operatorJwt}`,
    `system_account: ${systemKey.getPublicKey()}`,
    `resolver: { type: full, dir: ${JSON.stringify(resolverDir)}, allow_delete: false, interval: "2m" }`,
    // A connection sends its user JWT in CONNECT; the services' JWTs list their rights (ADR 85)
    // and the gateway's is about 12 KB, above the default 4 KB control line.
    `max_control_line: ${NATS_MAX_CONTROL_LINE}`,
    `resolver_preload: {`,
    `  ${systemKey.getPublicKey()}: ${systemJwt}`,
    `  ${accountKey.getPublicKey()}: ${accountJwt}`,
    `}`,
    '',
  ].join('\n');
}

/** A user's credentials: the `.creds` text (JWT and seed) nats.js reads with `credsAuthenticator`. */
export interface NatsUserCredentials {
  readonly publicKey: string;
  readonly jwt: string;
  /** Only when the seed was made here; an enrolled robot keeps its own seed. */
  readonly creds?: string;
}

/**
 * Signs a user of the application account. Pass `publicKey` when the user made its own key pair
 * (an enrolling robot: its seed never leaves it); otherwise a key pair is made and returned in
 * `creds`.
 */
export async function issueNatsUser(
  authority: NatsAuthority,
  user: { name: string; permissions: Permissions; publicKey?: string },
): Promise<NatsUserCredentials> {
  const pair = user.publicKey ? undefined : createUser();
  const subject = pair ?? fromPublic(user.publicKey ?? '');
  if (!subject.getPublicKey().startsWith('U')) throw new Error('a NATS user key starts with "U"');
  const jwt = await encodeUser(user.name, subject, key(authority.accountSeed), { ...user.permissions }, opts);
  return {
    publicKey: subject.getPublicKey(),
    jwt,
    ...(pair ? { creds: decoder.decode(fmtCreds(jwt, pair)) } : {}),
  };
}

/** A user of the system account, allowed only to push account updates and read their answers. */
export async function issueNatsSystemUser(authority: NatsAuthority): Promise<string> {
  const pair = createUser();
  const jwt = await encodeUser(
    'aether-account-pusher',
    pair,
    key(authority.systemAccountSeed),
    { pub: { allow: ['$SYS.REQ.CLAIMS.UPDATE'] }, sub: { allow: ['_INBOX.>'] } },
    opts,
  );
  return decoder.decode(fmtCreds(jwt, pair));
}

/** Formats a JWT and a seed the robot kept as a `.creds` file. */
export function formatNatsCreds(jwt: string, seed: string): string {
  return decoder.decode(fmtCreds(jwt, fromSeed(encoder.encode(seed))));
}

/** A robot's own key pair, made on its machine before it enrols. */
export function createNatsUserSeed(): { seed: string; publicKey: string } {
  const pair = createUser();
  return { seed: decoder.decode(pair.getSeed()), publicKey: pair.getPublicKey() };
}

/**
 * The inbox prefix a robot's connection must use (`inboxPrefix`): replies to its requests and
 * its JetStream pulls arrive under it, and no other robot may subscribe there.
 */
export function robotInboxPrefix(tenantId: TenantId, robotId: string): string {
  return `_INBOX.${tenantId}.${robotId}`;
}

/**
 * Step artifacts (screenshots, DOM snapshots, downloads) in the tenant's own bucket (ADR 76): write
 * chunks and metadata, look an object up and read its chunks back by direct get. A stream holds one
 * tenant's objects, so direct gets by sequence reach nothing of another tenant's. No consumer: a
 * right to create one would let the robot name any delivery subject, and make the server publish
 * whatever it wrote there.
 */
function artifactRights(tenantId: TenantId): string[] {
  const bucket = artifactsBucket(tenantId);
  return [
    `$JS.API.STREAM.INFO.OBJ_${bucket}`,
    `$O.${bucket}.C.>`,
    `$O.${bucket}.M.>`,
    `$JS.API.DIRECT.GET.OBJ_${bucket}`,
    `$JS.API.DIRECT.GET.OBJ_${bucket}.>`,
    `$JS.API.STREAM.MSG.GET.OBJ_${bucket}`,
  ];
}

/**
 * Element fingerprints in the tenant's own KV bucket (ADR 78): a key's value by a subject-suffixed
 * direct get, which answers a subject's last message only. The stream holds one tenant's keys, so
 * not even a wildcard subject reaches another tenant's. No writes (the healer projects the bucket
 * from the events) and no stream info (`openFingerprintsBucket` needs none).
 */
function fingerprintRights(tenantId: TenantId): string[] {
  const bucket = fingerprintsBucket(tenantId);
  return [`$JS.API.DIRECT.GET.KV_${bucket}.$KV.${bucket}.>`];
}

/**
 * What one robot may do, and nothing else: pull its own work consumer and its pool's, settle
 * what it pulled, quarantine what it pulled and cannot take (as those consumers), append to its tenant's job and selector subjects, heartbeat on its tenant's
 * presence subject, ask for its tenant's secrets and queue items, ask the services for its
 * tenant's event histories, read a subject's last event of its tenant and its tenant's fingerprints
 * by direct get, hear its own probes, an operator's drain or stop of it and its tenant's cancel nudges, and
 * receive on its own inbox. Replies to requests it received (probes, drain, stop) need no publish
 * right (`resp`). No direct get with a payload on `EVENTS` (nats-server 2.9 cannot limit one by
 * subject: it would reach every tenant's events by sequence) and no stream info of `EVENTS`
 * (its subject listing names every tenant's aggregates): ADR 77.
 */
export function robotNatsPermissions(tenantId: TenantId, robotId: string, pool?: string): Permissions {
  const consumers = [`robot-${robotId}`, ...(pool ? [`pool-${pool}`] : [])];
  const work = 'WORK';
  return {
    pub: {
      allow: [
        subjects.event(tenantId, 'job', '*'),
        subjects.event(tenantId, 'selector', '*'),
        subjects.robotPresence(tenantId),
        subjects.secretRead(tenantId),
        subjects.queueTake(tenantId, '*'),
        subjects.queueItemOp(tenantId, '*', 'complete'),
        subjects.queueItemOp(tenantId, '*', 'fail'),
        subjects.queueItemOp(tenantId, '*', 'add'),
        ...consumers.flatMap((consumer) => [
          subjects.quarantine(consumer),
          `$JS.API.CONSUMER.MSG.NEXT.${work}.${consumer}`,
          `$JS.API.CONSUMER.INFO.${work}.${consumer}`,
          `$JS.ACK.${work}.${consumer}.>`,
        ]),
        subjects.eventRead(tenantId),
        '$JS.API.INFO',
        `$JS.API.DIRECT.GET.EVENTS.aether.evt.${tenantId}.>`,
        ...fingerprintRights(tenantId),
        ...artifactRights(tenantId),
      ],
    },
    sub: {
      allow: [
        `${robotInboxPrefix(tenantId, robotId)}.>`,
        `aether.ctl.${tenantId}.robot.${robotId}.*.probe`,
        subjects.robotControl(tenantId, robotId, '*'),
        subjects.jobControl(tenantId, '*', 'cancel'),
      ],
    },
    resp: { max: 1, ttl: 0 },
  };
}

/**
 * Whether a robot's kept `.creds` still grant exactly what `robotNatsPermissions` grants today: a
 * robot enrolled before its rights changed (ADR 76) must be enrolled again to use the new ones, and
 * its old credentials revoked, since they keep the rights they were signed with.
 */
export function credsGrantCurrentRobotRights(
  creds: string,
  tenantId: TenantId,
  robotId: string,
  pool?: string,
): boolean {
  const jwt = /-----BEGIN NATS USER JWT-----\s*(\S+)\s*-+END NATS USER JWT/.exec(creds)?.[1];
  if (!jwt) return false;
  const granted = decode<Permissions>(jwt).nats;
  const current = robotNatsPermissions(tenantId, robotId, pool);
  const same = (a: readonly string[] = [], b: readonly string[] = []) =>
    JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
  return same(granted.pub?.allow, current.pub?.allow) && same(granted.sub?.allow, current.sub?.allow);
}

/** Services are trusted with the whole application account (ADR 38 says what narrowing is left). */
export const SERVICE_NATS_PERMISSIONS: Permissions = {};

/** A one-time enrolment token's secret: 256 random bits, URL-safe. */
export function newEnrolmentSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The server's answer to an account update it refused. */
export class AccountUpdateRefusedError extends Error {
  override readonly name = 'AccountUpdateRefusedError';
}

/**
 * Sends the application account's new JWT to every server (`$SYS.REQ.CLAIMS.UPDATE`, over a
 * system-account connection); the servers store it in their resolver and close the connections
 * of users it revokes.
 */
export async function pushAccountJwt(
  system: NatsConnection,
  accountJwt: string,
  timeoutMs = 2_000,
): Promise<void> {
  const reply = await system.request('$SYS.REQ.CLAIMS.UPDATE', accountJwt, { timeout: timeoutMs });
  const answer = JSON.parse(reply.string()) as {
    data?: { code?: number; message?: string };
    error?: { code?: number; description?: string };
  };
  if (answer.error)
    throw new AccountUpdateRefusedError(
      `account update refused: ${answer.error.description ?? answer.error.code}`,
    );
}
