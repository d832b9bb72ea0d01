import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS } from '@aether/contracts';
import { connectNats } from '@aether/event-store';
import { issueAccessToken, type EmbeddedIssuer } from '@aether/identity';
import { createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@aether/testing';
import { hookSecretName, KvSecretVault, loadMasterKeyring } from '@aether/vault';
import { configureHttp } from '../http-setup';
import { startGatewayInProcess } from '../testing/gateway-in-process';
import { sign } from './hook-signature';

/** Webhook signing keys live in the vault: the hooks bucket never holds one (issue 22). */
describe('webhook signing keys in the vault', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;
  let dir: string;
  let issuer: EmbeddedIssuer;
  let nc: NatsConnection;

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const bearer = await issueAccessToken(
      issuer,
      { subject: 'test:admin', name: 'admin', tenantId: 'default', role: 'admin' },
      600,
    );
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const deliver = (hookId: string, secret: string, body = '{"n":1}') => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return fetch(`${url}/api/v1/hooks/${hookId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-aether-timestamp': timestamp,
        'x-aether-signature': sign(secret, timestamp, Buffer.from(body)),
      },
      body,
    });
  };
  /** Every value the hooks bucket holds or held for a key, as text. */
  const bucketHistory = async (hookId: string) => {
    const kv = await new Kvm(nc).open(KV_BUCKETS.hooks);
    const values: string[] = [];
    for await (const entry of await kv.history({ key: hookId })) values.push(entry.string());
    return values;
  };

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('aether_gateway_hooks')]);
    dir = mkdtempSync(join(tmpdir(), 'aether-hooks-'));
    ({ app, url, issuer } = await startGatewayInProcess(
      {
        NATS_URL: nats.url,
        DATABASE_URL: db.url,
        AUTH_SIGNING_KEY_FILE: join(dir, 'auth', 'signing-key.json'),
        VAULT_MASTER_KEY_FILE: join(dir, 'vault', 'master-keys.json'),
      },
      configureHttp,
    ));
    nc = await connectNats({ servers: nats.url, name: 'hooks-test' });
    const w = {
      id: 'w',
      inputs: { n: { type: 'integer' } },
      nodes: [{ id: 'stop', type: 'stopWithError', params: { message: 'never run' } }],
    };
    expect((await call('POST', '/api/v1/workflows', w)).status).toBe(201);
  });

  afterAll(async () => {
    await nc?.close();
    await app?.close();
    await Promise.all([nats?.stop(), db?.drop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a new hook’s key in the vault only, and hides it from the secrets API and robots', async () => {
    const created = await call('POST', '/api/v1/hooks', { workflowId: 'w' });
    expect(created.status).toBe(201);
    const { hookId, secret } = created.body as { hookId: string; secret: string };
    expect((await bucketHistory(hookId)).join('\n')).not.toContain(secret);

    expect((await deliver(hookId, secret)).status).toBe(202);
    expect((await deliver(hookId, randomBytes(32).toString('base64url'))).status).toBe(401);

    expect((await call('GET', '/api/v1/secrets')).body).toEqual({ secrets: [] });
    const name = hookSecretName(hookId);
    expect((await call('PUT', `/api/v1/secrets/${name}`, { value: 'x' })).status).toBe(400);
    expect((await call('DELETE', `/api/v1/secrets/${name}`)).status).toBe(400);

    expect((await call('DELETE', `/api/v1/hooks/${hookId}`)).status).toBe(204);
    expect((await deliver(hookId, secret)).status).toBe(401);
  });

  it('moves a hook made before the vault held keys into it at its next delivery, history included', async () => {
    const hookId = randomBytes(16).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    const kv = await new Kvm(nc).open(KV_BUCKETS.hooks);
    const legacy = {
      hookId,
      tenantId: 'default',
      secret,
      paused: false,
      createdAt: new Date().toISOString(),
      workflowId: 'w',
      variables: {},
      priority: 10,
    };
    await kv.put(hookId, JSON.stringify(legacy));
    await kv.put(hookId, JSON.stringify({ ...legacy, paused: false })); // a second revision, also plain

    expect((await deliver(hookId, secret)).status).toBe(202);
    expect((await bucketHistory(hookId)).join('\n')).not.toContain(secret);
    expect((await deliver(hookId, secret)).status).toBe(202);
    const vault = await KvSecretVault.open(
      nc,
      loadMasterKeyring({ file: join(dir, 'vault', 'master-keys.json') }),
    );
    expect(await vault.read('default', hookSecretName(hookId))).toBe(secret);
  });
});
