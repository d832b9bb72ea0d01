import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { KV_BUCKETS, TenantIdSchema } from '@aether/contracts';
import { listKeys, openBucket } from '@aether/kv-state';
import { RoleSchema, type Principal, type Role } from './roles';

/** Every API key starts with this, so a leaked one is easy to recognise and to tell from a JWT. */
export const API_KEY_PREFIX = 'aek_';
const KEY_PATTERN = /^aek_([A-Za-z0-9_-]{16})_([A-Za-z0-9_-]{43})$/;

export const ApiKeyRecordSchema = z.object({
  id: z.string(),
  tenantId: TenantIdSchema,
  name: z.string().min(1).max(100),
  role: RoleSchema,
  /** SHA-256 of the secret part: the secret is 256 random bits, so a slow hash adds nothing. */
  secretHash: z.string(),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecordSchema>;
export type ApiKeyView = Omit<ApiKeyRecord, 'secretHash'>;

export function isApiKey(bearer: string): boolean {
  return bearer.startsWith(API_KEY_PREFIX);
}

const digest = (secret: string) => createHash('sha256').update(secret).digest();

/** Keys for machines, in the `aether-api-keys` bucket: only a hash is kept; deleting the entry revokes the key. */
export class ApiKeyStore {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection): Promise<ApiKeyStore> {
    return new ApiKeyStore(await openBucket(nc, KV_BUCKETS.apiKeys));
  }

  /** Creates a key; the returned `key` is the only time its secret exists outside the caller's hands. */
  async create(input: {
    tenantId: string;
    name: string;
    role: Role;
    createdBy: string;
  }): Promise<ApiKeyView & { key: string }> {
    const id = randomBytes(12).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    const record = ApiKeyRecordSchema.parse({
      ...input,
      id,
      secretHash: digest(secret).toString('base64url'),
      createdAt: new Date().toISOString(),
    });
    await this.kv.create(id, JSON.stringify(record));
    return { ...view(record), key: `${API_KEY_PREFIX}${id}_${secret}` };
  }

  async list(tenantId: string): Promise<ApiKeyView[]> {
    const found: ApiKeyView[] = [];
    for (const id of await listKeys(this.kv)) {
      const record = await this.find(id);
      if (record?.tenantId === tenantId) found.push(view(record));
    }
    return found.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Revokes a key of the tenant; false when it has no such key. */
  async revoke(tenantId: string, id: string): Promise<boolean> {
    const record = await this.find(id);
    if (!record || record.tenantId !== tenantId) return false;
    await this.kv.purge(id);
    return true;
  }

  /** The principal of a valid, unrevoked key; undefined for anything else. */
  async authenticate(key: string): Promise<Principal | undefined> {
    const match = KEY_PATTERN.exec(key);
    if (!match) return undefined;
    const record = await this.find(match[1] as string);
    if (!record) return undefined;
    const expected = Buffer.from(record.secretHash, 'base64url');
    const actual = digest(match[2] as string);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    return {
      subject: `key:${record.id}`,
      name: record.name,
      tenantId: record.tenantId,
      role: record.role,
      via: 'api-key',
    };
  }

  private async find(id: string): Promise<ApiKeyRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{16}$/.test(id)) return undefined;
    const entry = await this.kv.get(id);
    return entry?.operation === 'PUT' ? ApiKeyRecordSchema.safeParse(entry.json()).data : undefined;
  }
}

function view(record: ApiKeyRecord): ApiKeyView {
  const { secretHash: _hash, ...rest } = record;
  return rest;
}
