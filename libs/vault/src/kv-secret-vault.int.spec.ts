import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS } from '@aether/contracts';
import { connectNats } from '@aether/event-store';
import { alongside, startNatsServer, type TestNatsServer } from '@aether/testing';
import { KvSecretVault } from './kv-secret-vault';
import { generateMasterKey, MasterKeyring } from './master-keys';
import { SecretUnreadableError } from './secret-vault';

describe('the KV secret vault (real nats-server)', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let kv: KV;
  const first = generateMasterKey();
  const second = generateMasterKey();

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ servers: nats.url, name: 'vault-test' });
    kv = await new Kvm(nc).create(KV_BUCKETS.secrets, { history: 1 });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  /** Every byte the bucket holds, as text: what someone who reads the stream would see. */
  const rawBucket = async () => {
    const values: string[] = [];
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      if (entry) values.push(`${key}=${entry.string()}`);
    }
    return values.join('\n');
  };

  it('round-trips a secret, lists names only and stores no value in clear', async () => {
    const vault = await KvSecretVault.open(nc, MasterKeyring.fromBase64(first));
    const meta = await vault.write('round', 'dbPassword', 'correct horse battery staple', 'user:ada');
    expect(meta).toEqual({ name: 'dbPassword', updatedAt: expect.any(String), updatedBy: 'user:ada' });
    expect(await vault.read('round', 'dbPassword')).toBe('correct horse battery staple');
    expect(await vault.read('round', 'nothing')).toBeUndefined();
    await vault.write('round', 'apiToken', 'tok-123', 'user:ada');
    expect((await vault.list('round')).map((s) => s.name)).toEqual(['apiToken', 'dbPassword']);
    expect(JSON.stringify(await vault.list('round'))).not.toContain('tok-123');
    const raw = await rawBucket();
    for (const clear of [
      'correct horse battery staple',
      'tok-123',
      Buffer.from('tok-123').toString('base64'),
    ])
      expect(raw).not.toContain(clear);
    expect(await vault.remove('round', 'apiToken')).toBe(true);
    expect(await vault.remove('round', 'apiToken')).toBe(false);
    expect(await vault.read('round', 'apiToken')).toBeUndefined();
  });

  it('refuses a tampered ciphertext, and one copied to another name or tenant', async () => {
    const vault = await KvSecretVault.open(nc, MasterKeyring.fromBase64(first));
    await vault.write('tamper', 'pw', 'hunter2', 'user:ada');
    await vault.write('tamper', 'other', 'something else', 'user:ada');
    await vault.write('tamper-b', 'pw', 'b-value', 'user:bob');
    const record = (await kv.get('secret.tamper.pw'))!.json<{ ciphertext: string }>();

    const bytes = Buffer.from(record.ciphertext, 'base64url');
    bytes[20] = (bytes[20] as number) ^ 0x40;
    await kv.put('secret.tamper.pw', JSON.stringify({ ...record, ciphertext: bytes.toString('base64url') }));
    await expect(vault.read('tamper', 'pw')).rejects.toMatchObject({
      name: 'SecretUnreadableError',
      reason: 'tampered',
    });

    // The intact ciphertext moved to another name of the same tenant: its associated data differs.
    await kv.put('secret.tamper.other', JSON.stringify({ ...record, name: 'other' }));
    await expect(vault.read('tamper', 'other')).rejects.toBeInstanceOf(SecretUnreadableError);
    // …or to another tenant: that tenant has another data key.
    await kv.put('secret.tamper-b.pw', JSON.stringify(record));
    await expect(vault.read('tamper-b', 'pw')).rejects.toBeInstanceOf(SecretUnreadableError);
  });

  it('rewraps every data key to a new master key while reads keep answering', async () => {
    const before = await KvSecretVault.open(nc, MasterKeyring.fromBase64(first));
    const tenants = Array.from({ length: 12 }, (_, i) => `rot-${i}`);
    for (const tenant of tenants) await before.write(tenant, 'pw', `value-of-${tenant}`, 'user:ada');

    // Step 1 of a rotation: every replica learns the next key; step 2: one makes it current and rewraps.
    const knowsBoth = await KvSecretVault.open(nc, MasterKeyring.fromBase64(first, [second]));
    const rotated = await KvSecretVault.open(nc, MasterKeyring.fromBase64(second, [first]));
    let reading = true;
    let reads = 0;
    const readers = [knowsBoth, rotated].map(async (vault) => {
      while (reading) {
        for (const tenant of tenants) {
          expect(await vault.read(tenant, 'pw')).toBe(`value-of-${tenant}`);
          reads++;
        }
      }
    });
    const report = await rotated.rewrap();
    reading = false;
    await Promise.all(readers);

    expect(report.rewrapped).toBeGreaterThanOrEqual(tenants.length);
    expect(reads).toBeGreaterThan(0);
    expect(await rotated.rewrap()).toEqual({ rewrapped: 0, current: report.rewrapped + report.current });
    // Step 3: the old key is dropped; everything is still readable with the new one alone…
    const onlyNew = await KvSecretVault.open(nc, MasterKeyring.fromBase64(second));
    for (const tenant of tenants) expect(await onlyNew.read(tenant, 'pw')).toBe(`value-of-${tenant}`);
    // …and no longer with the old one alone: the data keys really were rewrapped.
    await expect(before.read('rot-0', 'pw')).rejects.toMatchObject({ reason: 'unknown-master-key' });
  });

  it("rotates a tenant's data key: every secret resealed, readable throughout, the old key gone", async () => {
    const vault = await KvSecretVault.open(nc, MasterKeyring.fromBase64(second));
    const names = Array.from({ length: 20 }, (_, i) => `pw${i}`);
    for (const name of names) await vault.write('dek-rot', name, `v-${name}`, 'user:ada');
    await vault.write('dek-other', 'pw', 'other-tenant', 'user:bob');
    const dekBefore = (await kv.get('dek.dek-rot'))!.json<{ dataKeyId: string }>().dataKeyId;
    const oldRecord = (await kv.get('secret.dek-rot.pw0'))!.string();
    const otherBefore = (await kv.get('secret.dek-other.pw'))!.string();

    let reads = 0;
    // The reader runs beside the rotation and its writer, and is stopped even if the rotation hangs.
    const report = await alongside(
      async () => {
        for (const name of names) {
          expect(await vault.read('dek-rot', name)).toBe(`v-${name}`);
          reads++;
        }
      },
      async () => {
        const writer = (async () => {
          for (let i = 0; i < 10; i++) await vault.write('dek-rot', 'during', `during-${i}`, 'user:ada');
        })();
        const rotated = await vault.rotateDataKey('dek-rot');
        await writer;
        return rotated;
      },
      { timeoutMs: 30_000 },
    );

    expect(reads).toBeGreaterThan(0);
    expect(report.dataKeyId).not.toBe(dekBefore);
    expect(report.resealed).toBeGreaterThanOrEqual(names.length);
    expect(JSON.stringify(report)).not.toMatch(/v-pw/);
    const dek = (await kv.get('dek.dek-rot'))!.json<{ dataKeyId: string; retired?: unknown }>();
    expect(dek).toMatchObject({ dataKeyId: report.dataKeyId });
    expect(dek.retired).toBeUndefined(); // nothing refers to the old key any more
    for (const name of [...names, 'during'])
      expect((await kv.get(`secret.dek-rot.${name}`))!.json<{ dataKeyId: string }>().dataKeyId).toBe(
        report.dataKeyId,
      );
    for (const name of names) expect(await vault.read('dek-rot', name)).toBe(`v-${name}`);
    expect(await vault.read('dek-rot', 'during')).toBe('during-9');
    expect(await rawBucket()).not.toMatch(/v-pw|during-/);
    // A copy sealed with the old key (a backup, say) no longer opens: the old key is gone.
    await kv.put('secret.dek-rot.pw0', oldRecord);
    await expect(vault.read('dek-rot', 'pw0')).rejects.toMatchObject({ reason: 'key-destroyed' });
    // Another tenant is untouched, and a master-key rewrap still reads the rotated tenant.
    expect((await kv.get('secret.dek-other.pw'))!.string()).toBe(otherBefore);
    await vault.rotateDataKey('dek-rot');
    expect(await vault.read('dek-rot', 'pw1')).toBe('v-pw1');
  });

  it("makes a destroyed tenant key's secrets unreadable, and no other tenant's", async () => {
    const vault = await KvSecretVault.open(nc, MasterKeyring.fromBase64(second));
    await vault.write('shred-a', 'pw', 'a-secret', 'user:ada');
    await vault.write('shred-b', 'pw', 'b-secret', 'user:bob');
    await vault.destroyTenantKey('shred-a');

    await expect(vault.read('shred-a', 'pw')).rejects.toMatchObject({ reason: 'key-destroyed' });
    expect(await vault.read('shred-b', 'pw')).toBe('b-secret');
    // A new secret gets a new data key; the shredded one stays unreadable.
    await vault.write('shred-a', 'fresh', 'new-secret', 'user:ada');
    expect(await vault.read('shred-a', 'fresh')).toBe('new-secret');
    await expect(vault.read('shred-a', 'pw')).rejects.toMatchObject({ reason: 'key-destroyed' });
  });

  it('refuses names that could escape their tenant', async () => {
    const vault = await KvSecretVault.open(nc, MasterKeyring.fromBase64(second));
    await expect(vault.write('t', 'a.b', 'x', 'user:ada')).rejects.toThrow();
    await expect(vault.write('t.*', 'a', 'x', 'user:ada')).rejects.toThrow();
    await expect(vault.list('>')).rejects.toThrow();
  });
});
