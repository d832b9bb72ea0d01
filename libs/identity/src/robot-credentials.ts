import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { KV_BUCKETS, TenantIdSchema, type TenantId } from '@aether/contracts';
import { listKeys, openBucket } from '@aether/kv-state';
import {
  encodeAetherAccount,
  issueNatsUser,
  pushAccountJwt,
  robotInboxPrefix,
  robotNatsPermissions,
  type NatsAuthority,
} from './nats-accounts';

/** Every enrolment token starts with this, so a leaked one is easy to recognise. */
export const ENROLMENT_TOKEN_PREFIX = 'aen_';
const TOKEN_PATTERN = /^aen_([A-Za-z0-9_-]{16})_([A-Za-z0-9_-]{43})$/;
const RobotIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" and "-" only');

const EnrolmentRecordSchema = z.object({
  tenantId: TenantIdSchema,
  robotId: RobotIdSchema,
  pool: RobotIdSchema.optional(),
  secretHash: z.string(),
  expiresAt: z.iso.datetime(),
  createdBy: z.string(),
});

export const RobotCredentialRecordSchema = z.object({
  tenantId: TenantIdSchema,
  robotId: RobotIdSchema,
  /** Every user key issued to this robot, with the second it was issued. */
  keys: z.array(z.object({ publicKey: z.string(), issuedAt: z.number().int() })),
  /** When set, every key above is revoked from this second on. */
  revokedAt: z.number().int().optional(),
  revokedBy: z.string().optional(),
});
export type RobotCredentialRecord = z.infer<typeof RobotCredentialRecordSchema>;

/** An enrolment token that is unknown, used, expired or malformed: all answer the same. */
export class EnrolmentRefusedError extends Error {
  override readonly name = 'EnrolmentRefusedError';
  constructor() {
    super('enrolment token refused');
  }
}

/** What an enrolled robot keeps: its user JWT (with its own seed, a `.creds` file) and its inbox. */
export interface RobotEnrolment {
  readonly tenantId: TenantId;
  readonly robotId: string;
  /** The pool whose consumer it may pull besides its own, when it was enrolled with one. */
  readonly pool?: string;
  readonly jwt: string;
  readonly inboxPrefix: string;
}

const digest = (secret: string) => createHash('sha256').update(secret).digest();
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Enrolment and revocation of robots' NATS credentials (ADR 38), kept in the
 * `aether-robot-credentials` bucket. Whoever holds this holds the account key: the gateway.
 */
export class RobotCredentials {
  private constructor(
    private readonly kv: KV,
    private readonly authority: NatsAuthority,
    /** A system-account connection allowed to push account updates. */
    private readonly system: NatsConnection,
  ) {}

  static async open(
    nc: NatsConnection,
    authority: NatsAuthority,
    system: NatsConnection,
  ): Promise<RobotCredentials> {
    return new RobotCredentials(await openBucket(nc, KV_BUCKETS.robotCredentials), authority, system);
  }

  /** A one-time token that enrols `robotId` of `tenantId`; it is shown once and only its hash is kept. */
  async issueEnrolment(request: {
    tenantId: TenantId;
    robotId: string;
    pool?: string;
    createdBy: string;
    ttlMs?: number;
  }): Promise<{ token: string; expiresAt: string }> {
    const id = randomBytes(12).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + (request.ttlMs ?? 24 * 3600_000)).toISOString();
    const record = EnrolmentRecordSchema.parse({
      tenantId: request.tenantId,
      robotId: request.robotId,
      ...(request.pool ? { pool: request.pool } : {}),
      secretHash: digest(secret).toString('base64url'),
      expiresAt,
      createdBy: request.createdBy,
    });
    await this.kv.create(`enrolment.${id}`, JSON.stringify(record));
    return { token: `${ENROLMENT_TOKEN_PREFIX}${id}_${secret}`, expiresAt };
  }

  /**
   * Exchanges a token for a user JWT on the robot's own public key. The token is spent by a
   * compare-and-delete, so two robots racing with one token get one credential between them.
   */
  async enrol(token: string, publicKey: string): Promise<RobotEnrolment> {
    const match = TOKEN_PATTERN.exec(token);
    if (!match || !/^U[A-Z2-7]{55}$/.test(publicKey)) throw new EnrolmentRefusedError();
    const key = `enrolment.${match[1]}`;
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== 'PUT') throw new EnrolmentRefusedError();
    const record = EnrolmentRecordSchema.parse(entry.json());
    const expected = Buffer.from(record.secretHash, 'base64url');
    const given = digest(match[2]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      throw new EnrolmentRefusedError();
    try {
      await this.kv.purge(key, { previousSeq: entry.revision });
    } catch {
      throw new EnrolmentRefusedError(); // spent by someone else meanwhile
    }
    if (Date.parse(record.expiresAt) < Date.now()) throw new EnrolmentRefusedError();

    const user = await issueNatsUser(this.authority, {
      name: `robot-${record.tenantId}-${record.robotId}`,
      publicKey,
      permissions: robotNatsPermissions(record.tenantId, record.robotId, record.pool),
    });
    await this.update(record.tenantId, record.robotId, (current) => ({
      tenantId: record.tenantId,
      robotId: record.robotId,
      keys: [...(current?.keys ?? []), { publicKey, issuedAt: nowSeconds() }],
      // Enrolling again after a revocation starts a new credential; the old keys stay revoked.
      ...(current?.revokedAt !== undefined ? { revokedAt: current.revokedAt } : {}),
    }));
    return {
      tenantId: record.tenantId,
      robotId: record.robotId,
      ...(record.pool ? { pool: record.pool } : {}),
      jwt: user.jwt,
      inboxPrefix: robotInboxPrefix(record.tenantId, record.robotId),
    };
  }

  /** Revokes every key issued to the robot so far and pushes the account: its connections close. */
  async revoke(tenantId: TenantId, robotId: string, revokedBy: string): Promise<boolean> {
    let found = false;
    await this.update(tenantId, robotId, (current) => {
      if (!current) return undefined;
      found = true;
      return { ...current, revokedAt: nowSeconds(), revokedBy };
    });
    if (found) await this.pushAccount();
    return found;
  }

  async get(tenantId: TenantId, robotId: string): Promise<RobotCredentialRecord | undefined> {
    const entry = await this.kv.get(this.robotKey(tenantId, robotId));
    return entry?.operation === 'PUT' ? RobotCredentialRecordSchema.parse(entry.json()) : undefined;
  }

  /** Sends the account with every revocation on record (also after a server lost its resolver folder). */
  async pushAccount(): Promise<void> {
    const revocations: Record<string, number> = {};
    for (const key of await listKeys(this.kv, 'robot.>')) {
      const entry = await this.kv.get(key);
      if (entry?.operation !== 'PUT') continue;
      const record = RobotCredentialRecordSchema.parse(entry.json());
      if (record.revokedAt === undefined) continue;
      for (const issued of record.keys)
        if (issued.issuedAt <= record.revokedAt) revocations[issued.publicKey] = record.revokedAt;
    }
    await pushAccountJwt(this.system, await encodeAetherAccount(this.authority, revocations));
  }

  private robotKey(tenantId: TenantId, robotId: string) {
    return `robot.${tenantId}.${RobotIdSchema.parse(robotId)}`;
  }

  private async update(
    tenantId: TenantId,
    robotId: string,
    change: (current: RobotCredentialRecord | undefined) => RobotCredentialRecord | undefined,
  ): Promise<void> {
    const key = this.robotKey(tenantId, robotId);
    for (;;) {
      const entry = await this.kv.get(key);
      const current =
        entry?.operation === 'PUT' ? RobotCredentialRecordSchema.parse(entry.json()) : undefined;
      const next = change(current);
      if (!next) return;
      try {
        if (entry && entry.operation === 'PUT')
          await this.kv.update(key, JSON.stringify(next), entry.revision);
        else await this.kv.create(key, JSON.stringify(next));
        return;
      } catch (error) {
        if (!/wrong last sequence|key exists/i.test(String(error))) throw error;
      }
    }
  }
}
