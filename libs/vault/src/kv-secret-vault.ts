import { randomBytes, randomUUID } from 'node:crypto';
import type { KV, KvEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { KV_BUCKETS, TenantIdSchema } from '@aether/contracts';
import { openBucket } from '@aether/kv-state';
import { open, seal, TamperedCiphertextError } from './aead';
import type { MasterKeyring } from './master-keys';
import {
  SecretNameSchema,
  SecretUnreadableError,
  SecretValueSchema,
  type SecretMetadata,
  type SecretVault,
} from './secret-vault';

const DataKeyRecordSchema = z.object({
  v: z.literal(1),
  dataKeyId: z.string(),
  /** The master key that wrapped it. */
  masterKid: z.string(),
  wrapped: z.string(),
  createdAt: z.string(),
});
type DataKeyRecord = z.infer<typeof DataKeyRecordSchema>;

const SecretRecordSchema = z.object({
  v: z.literal(1),
  name: z.string(),
  dataKeyId: z.string(),
  ciphertext: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
type SecretRecord = z.infer<typeof SecretRecordSchema>;

const dekKey = (tenantId: string) => `dek.${TenantIdSchema.parse(tenantId)}`;
const secretPrefix = (tenantId: string) => `secret.${TenantIdSchema.parse(tenantId)}`;
const secretKey = (tenantId: string, name: string) =>
  `${secretPrefix(tenantId)}.${SecretNameSchema.parse(name)}`;
const dekAad = (tenantId: string, r: Pick<DataKeyRecord, 'dataKeyId' | 'masterKid'>) =>
  `aether.dek.v1|${tenantId}|${r.dataKeyId}|${r.masterKid}`;
const secretAad = (tenantId: string, name: string, dataKeyId: string) =>
  `aether.secret.v1|${tenantId}|${name}|${dataKeyId}`;

/** How many times a rewrap re-reads a data key another writer changed under it. */
const REWRAP_ATTEMPTS = 5;

export interface RewrapReport {
  /** Data keys now wrapped by the current master key that were not before. */
  readonly rewrapped: number;
  /** Data keys that already were. */
  readonly current: number;
}

/**
 * Envelope encryption in the KV bucket `aether-secrets`: each tenant has a random AES-256 data
 * key (`dek.<tenant>`), stored only wrapped by a master key; each secret
 * (`secret.<tenant>.<name>`) is AES-256-GCM under its tenant's data key, bound by its
 * associated data to its tenant, name and data key. The bucket keeps no history, so a replaced
 * or purged value is gone from the stream.
 */
export class KvSecretVault implements SecretVault {
  private constructor(
    private readonly kv: KV,
    private readonly keyring: MasterKeyring,
  ) {}

  static async open(nc: NatsConnection, keyring: MasterKeyring): Promise<KvSecretVault> {
    return new KvSecretVault(await openBucket(nc, KV_BUCKETS.secrets), keyring);
  }

  async write(tenantId: string, name: string, value: string, by: string): Promise<SecretMetadata> {
    SecretValueSchema.parse(value);
    const key = secretKey(tenantId, name);
    const { dataKeyId, dataKey } = await this.dataKey(tenantId, true);
    const record: SecretRecord = {
      v: 1,
      name,
      dataKeyId,
      ciphertext: seal(dataKey, Buffer.from(value, 'utf8'), secretAad(tenantId, name, dataKeyId)),
      updatedAt: new Date().toISOString(),
      updatedBy: by,
    };
    await this.kv.put(key, JSON.stringify(record));
    return metadata(record);
  }

  async read(tenantId: string, name: string): Promise<string | undefined> {
    const record = parse(SecretRecordSchema, await this.kv.get(secretKey(tenantId, name)));
    if (!record) return undefined;
    const current = await this.dataKey(tenantId, false);
    if (!current || current.dataKeyId !== record.dataKeyId)
      throw new SecretUnreadableError(
        `secret "${name}" was sealed with a tenant key that has been destroyed`,
        'key-destroyed',
      );
    try {
      return open(current.dataKey, record.ciphertext, secretAad(tenantId, name, record.dataKeyId)).toString(
        'utf8',
      );
    } catch (error) {
      if (error instanceof TamperedCiphertextError)
        throw new SecretUnreadableError(`secret "${name}" failed authentication: refused`, 'tampered', {
          cause: error,
        });
      throw error;
    }
  }

  async list(tenantId: string): Promise<SecretMetadata[]> {
    const found: SecretMetadata[] = [];
    for await (const key of await this.kv.keys(`${secretPrefix(tenantId)}.*`)) {
      const record = parse(SecretRecordSchema, await this.kv.get(key));
      if (record) found.push(metadata(record));
    }
    return found.sort((a, b) => a.name.localeCompare(b.name));
  }

  async remove(tenantId: string, name: string): Promise<boolean> {
    const key = secretKey(tenantId, name);
    if (!parse(SecretRecordSchema, await this.kv.get(key))) return false;
    await this.kv.purge(key);
    return true;
  }

  async destroyTenantKey(tenantId: string): Promise<void> {
    await this.kv.purge(dekKey(tenantId));
  }

  /**
   * Rewraps every data key that the current master key did not wrap, each with a compare-and-set
   * on its revision. Data keys are never re-generated, so secrets stay as they are and readers
   * (which know both master keys during a rotation) keep working throughout.
   */
  async rewrap(): Promise<RewrapReport> {
    let rewrapped = 0;
    let current = 0;
    for await (const key of await this.kv.keys('dek.*')) {
      const outcome = await this.rewrapOne(key);
      if (outcome === 'rewrapped') rewrapped++;
      else if (outcome === 'current') current++;
    }
    return { rewrapped, current };
  }

  private async rewrapOne(key: string): Promise<'rewrapped' | 'current' | 'gone'> {
    const tenantId = key.slice('dek.'.length);
    for (let attempt = 1; ; attempt++) {
      const entry = await this.kv.get(key);
      const record = parse(DataKeyRecordSchema, entry);
      if (!entry || !record) return 'gone';
      if (record.masterKid === this.keyring.current.kid) return 'current';
      const dataKey = this.unwrap(tenantId, record);
      try {
        await this.kv.update(
          key,
          JSON.stringify(this.wrap(tenantId, record.dataKeyId, dataKey)),
          entry.revision,
        );
        return 'rewrapped';
      } catch (error) {
        // Someone else rewrapped or destroyed it meanwhile: look again.
        if (attempt >= REWRAP_ATTEMPTS) throw error;
      }
    }
  }

  /** The tenant's data key; with `create`, one is made (once, whoever wins the race) when it has none. */
  private async dataKey(tenantId: string, create: true): Promise<{ dataKeyId: string; dataKey: Buffer }>;
  private async dataKey(
    tenantId: string,
    create: false,
  ): Promise<{ dataKeyId: string; dataKey: Buffer } | undefined>;
  private async dataKey(tenantId: string, create: boolean) {
    const key = dekKey(tenantId);
    const existing = parse(DataKeyRecordSchema, await this.kv.get(key));
    if (existing) return { dataKeyId: existing.dataKeyId, dataKey: this.unwrap(tenantId, existing) };
    if (!create) return undefined;
    const dataKey = randomBytes(32);
    const dataKeyId = randomUUID();
    try {
      await this.kv.create(key, JSON.stringify(this.wrap(tenantId, dataKeyId, dataKey)));
      return { dataKeyId, dataKey };
    } catch (error) {
      const winner = parse(DataKeyRecordSchema, await this.kv.get(key));
      if (!winner) throw error;
      return { dataKeyId: winner.dataKeyId, dataKey: this.unwrap(tenantId, winner) };
    }
  }

  private wrap(tenantId: string, dataKeyId: string, dataKey: Buffer): DataKeyRecord {
    const masterKid = this.keyring.current.kid;
    return {
      v: 1,
      dataKeyId,
      masterKid,
      wrapped: seal(this.keyring.current.key, dataKey, dekAad(tenantId, { dataKeyId, masterKid })),
      createdAt: new Date().toISOString(),
    };
  }

  private unwrap(tenantId: string, record: DataKeyRecord): Buffer {
    const master = this.keyring.find(record.masterKid);
    if (!master)
      throw new SecretUnreadableError(
        `tenant ${tenantId}'s data key is wrapped by master key ${record.masterKid}, which this vault was not given`,
        'unknown-master-key',
      );
    try {
      return open(master.key, record.wrapped, dekAad(tenantId, record));
    } catch (error) {
      if (error instanceof TamperedCiphertextError)
        throw new SecretUnreadableError(`tenant ${tenantId}'s data key failed authentication`, 'tampered', {
          cause: error,
        });
      throw error;
    }
  }
}

function parse<T extends z.ZodType>(schema: T, entry: KvEntry | null): z.infer<T> | undefined {
  if (entry?.operation !== 'PUT') return undefined;
  return schema.safeParse(entry.json()).data;
}

function metadata(record: SecretRecord): SecretMetadata {
  return { name: record.name, updatedAt: record.updatedAt, updatedBy: record.updatedBy };
}
