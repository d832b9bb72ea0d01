import { randomBytes, randomUUID } from 'node:crypto';
import type { KV, KvEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { KV_BUCKETS, TenantIdSchema } from '@aether/contracts';
import { listKeys, openBucket } from '@aether/kv-state';
import { open, seal, TamperedCiphertextError } from './aead';
import type { MasterKeyring } from './master-keys';
import {
  SecretNameSchema,
  SecretUnreadableError,
  SecretValueSchema,
  type SecretMetadata,
  type SecretVault,
} from './secret-vault';

const WrappedKeySchema = z.object({
  dataKeyId: z.string(),
  /** The master key that wrapped it. */
  masterKid: z.string(),
  wrapped: z.string(),
});

const DataKeyRecordSchema = WrappedKeySchema.extend({
  v: z.literal(1),
  createdAt: z.string(),
  /** Keys replaced by a rotation that secrets may still be sealed with, until they are resealed. */
  retired: z.array(WrappedKeySchema).optional(),
});
type DataKeyRecord = z.infer<typeof DataKeyRecordSchema>;
type WrappedKey = z.infer<typeof WrappedKeySchema>;

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
const dekAad = (tenantId: string, r: Pick<WrappedKey, 'dataKeyId' | 'masterKid'>) =>
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

export interface DataKeyRotationReport {
  /** The tenant's new data key's id (not the key). */
  readonly dataKeyId: string;
  /** Secrets resealed under it. */
  readonly resealed: number;
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
    // A rotation that began while this was sealed may have resealed the tenant's secrets already.
    const now = await this.dataKey(tenantId, false);
    if (now && now.dataKeyId !== dataKeyId) return this.write(tenantId, name, value, by);
    return metadata(record);
  }

  async read(tenantId: string, name: string): Promise<string | undefined> {
    const record = parse(SecretRecordSchema, await this.kv.get(secretKey(tenantId, name)));
    if (!record) return undefined;
    const sealedWith = await this.keyOf(tenantId, record.dataKeyId);
    if (!sealedWith)
      throw new SecretUnreadableError(
        `secret "${name}" was sealed with a tenant key that has been destroyed`,
        'key-destroyed',
      );
    try {
      return open(sealedWith, record.ciphertext, secretAad(tenantId, name, record.dataKeyId)).toString(
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
    for (const key of await listKeys(this.kv, `${secretPrefix(tenantId)}.*`)) {
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
   * Replaces the tenant's data key with a new one: the old key is kept as retired (so every
   * secret stays readable), each secret is resealed under the new key with a compare-and-set on
   * its revision (a concurrent write already used the new key), and the retired key is dropped
   * once no secret refers to it. Run again after an interruption: it finishes what was left.
   */
  async rotateDataKey(tenantId: string): Promise<DataKeyRotationReport> {
    await this.dataKey(tenantId, true);
    const dataKeyId = await this.replaceDataKey(tenantId);
    let resealed = 0;
    for (const key of await listKeys(this.kv, `${secretPrefix(tenantId)}.*`))
      if (await this.reseal(tenantId, key, dataKeyId)) resealed++;
    await this.dropRetired(tenantId);
    return { dataKeyId, resealed };
  }

  /** A new current key; the old current and any earlier retired ones become retired. */
  private async replaceDataKey(tenantId: string): Promise<string> {
    const key = dekKey(tenantId);
    for (let attempt = 1; ; attempt++) {
      const entry = await this.kv.get(key);
      const record = parse(DataKeyRecordSchema, entry);
      if (!record || !entry) throw new Error(`tenant ${tenantId} has no data key to rotate`);
      const dataKeyId = randomUUID();
      const next: DataKeyRecord = {
        ...this.wrap(tenantId, dataKeyId, randomBytes(32)),
        retired: [pick(record), ...(record.retired ?? [])],
      };
      try {
        await this.kv.update(key, JSON.stringify(next), entry.revision);
        return dataKeyId;
      } catch (error) {
        if (attempt >= REWRAP_ATTEMPTS) throw error;
      }
    }
  }

  /** True when it resealed; false when the secret already used the current key or went away. */
  private async reseal(tenantId: string, key: string, dataKeyId: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const entry = await this.kv.get(key);
      const record = parse(SecretRecordSchema, entry);
      if (!record || !entry || record.dataKeyId === dataKeyId) return false;
      const old = await this.keyOf(tenantId, record.dataKeyId);
      const current = await this.keyOf(tenantId, dataKeyId);
      if (!old || !current) return false; // sealed with a destroyed key, or rotated again meanwhile
      const value = open(old, record.ciphertext, secretAad(tenantId, record.name, record.dataKeyId));
      const next: SecretRecord = {
        ...record,
        dataKeyId,
        ciphertext: seal(current, value, secretAad(tenantId, record.name, dataKeyId)),
      };
      value.fill(0);
      try {
        await this.kv.update(key, JSON.stringify(next), entry.revision);
        return true;
      } catch (error) {
        if (attempt >= REWRAP_ATTEMPTS) throw error;
      }
    }
  }

  /** Forgets retired keys no secret refers to any more. */
  private async dropRetired(tenantId: string): Promise<void> {
    const used = new Set<string>();
    for (const key of await listKeys(this.kv, `${secretPrefix(tenantId)}.*`)) {
      const record = parse(SecretRecordSchema, await this.kv.get(key));
      if (record) used.add(record.dataKeyId);
    }
    const entry = await this.kv.get(dekKey(tenantId));
    const record = parse(DataKeyRecordSchema, entry);
    if (!record || !entry || !record.retired) return;
    const retired = record.retired.filter((r) => used.has(r.dataKeyId));
    const { retired: _dropped, ...rest } = record;
    // A concurrent rotation changed it: that one drops what it can.
    await this.kv
      .update(dekKey(tenantId), JSON.stringify(retired.length ? { ...rest, retired } : rest), entry.revision)
      .catch(() => undefined);
  }

  /** The tenant's data key with this id, current or retired; undefined when it is gone. */
  private async keyOf(tenantId: string, dataKeyId: string): Promise<Buffer | undefined> {
    const record = parse(DataKeyRecordSchema, await this.kv.get(dekKey(tenantId)));
    if (!record) return undefined;
    const found = [pick(record), ...(record.retired ?? [])].find((k) => k.dataKeyId === dataKeyId);
    return found ? this.unwrap(tenantId, found) : undefined;
  }

  /**
   * Rewraps every data key that the current master key did not wrap, each with a compare-and-set
   * on its revision. Data keys are never re-generated, so secrets stay as they are and readers
   * (which know both master keys during a rotation) keep working throughout.
   */
  async rewrap(): Promise<RewrapReport> {
    let rewrapped = 0;
    let current = 0;
    for (const key of await listKeys(this.kv, 'dek.*')) {
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
      const kid = this.keyring.current.kid;
      if ([record, ...(record.retired ?? [])].every((k) => k.masterKid === kid)) return 'current';
      const rewrapped = (k: WrappedKey) => pick(this.wrap(tenantId, k.dataKeyId, this.unwrap(tenantId, k)));
      const next: DataKeyRecord = {
        ...this.wrap(tenantId, record.dataKeyId, this.unwrap(tenantId, record)),
        ...(record.retired ? { retired: record.retired.map(rewrapped) } : {}),
      };
      try {
        await this.kv.update(key, JSON.stringify(next), entry.revision);
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

  private unwrap(tenantId: string, record: WrappedKey): Buffer {
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

function pick({ dataKeyId, masterKid, wrapped }: WrappedKey): WrappedKey {
  return { dataKeyId, masterKid, wrapped };
}

function metadata(record: SecretRecord): SecretMetadata {
  return { name: record.name, updatedAt: record.updatedAt, updatedBy: record.updatedBy };
}
