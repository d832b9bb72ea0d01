import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { KV_BUCKETS, TenantIdSchema } from '@aether/contracts';
import { openBucket } from '@aether/kv-state';
import { hashSecret, verifySecret } from './passwords';
import { RoleSchema, UsernameSchema, type Principal, type Role } from './roles';

export const UserRecordSchema = z.object({
  username: UsernameSchema,
  tenantId: TenantIdSchema,
  role: RoleSchema,
  passwordHash: z.string(),
  createdAt: z.iso.datetime(),
});
export type UserRecord = z.infer<typeof UserRecordSchema>;

export interface NewUser {
  readonly username: string;
  readonly tenantId: string;
  readonly role: Role;
  readonly password: string;
}

/** The embedded issuer's people, in the `aether-users` KV bucket; passwords only as scrypt hashes. */
export class UserDirectory {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection): Promise<UserDirectory> {
    return new UserDirectory(await openBucket(nc, KV_BUCKETS.users));
  }

  /** Creates the user unless one of that name exists (atomic: two callers create it once). Returns whether it did. */
  async createIfAbsent(user: NewUser): Promise<boolean> {
    const record: UserRecord = {
      username: UsernameSchema.parse(user.username),
      tenantId: TenantIdSchema.parse(user.tenantId),
      role: user.role,
      passwordHash: await hashSecret(user.password),
      createdAt: new Date().toISOString(),
    };
    try {
      await this.kv.create(record.username, JSON.stringify(record));
      return true;
    } catch (error) {
      if (await this.find(record.username)) return false;
      throw error;
    }
  }

  /** The principal for a correct user name and password; undefined for anything else (the caller cannot tell which). */
  async authenticate(username: string, password: string): Promise<Principal | undefined> {
    const user = UsernameSchema.safeParse(username).success ? await this.find(username) : undefined;
    // Hash even for an unknown user so the answer takes as long either way.
    const valid = await verifySecret(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
    if (!user || !valid) return undefined;
    return {
      subject: `user:${user.username}`,
      name: user.username,
      tenantId: user.tenantId,
      role: user.role,
      via: 'token',
    };
  }

  private async find(username: string): Promise<UserRecord | undefined> {
    const entry = await this.kv.get(username);
    return entry?.operation === 'PUT' ? UserRecordSchema.safeParse(entry.json()).data : undefined;
  }
}

/** A well-formed hash of nothing anyone knows. */
const UNKNOWN_USER_HASH =
  'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
