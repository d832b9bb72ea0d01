import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { AUDIT_EVENTS, MessageRegistry, subjects } from '@aether/contracts';
import { EventStore, connectNats } from '@aether/event-store';
import { issueAccessToken, type EmbeddedIssuer, type Role } from '@aether/identity';
import {
  createTestDatabase,
  eventually,
  startNatsServer,
  type TestDatabase,
  type TestNatsServer,
} from '@aether/testing';
import type { SecretVault } from '@aether/vault';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { useLiveAdapter } from '../live/live.gateway';
import { startGatewayInProcess } from '../testing/gateway-in-process';
import { SECRET_VAULT } from './secrets.controller';

describe("destroying a tenant's key from the API (crypto-shredding, ADR 36)", () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;
  let dir: string;
  let issuer: EmbeddedIssuer;

  const token = (role: Role, tenantId: string) =>
    issueAccessToken(issuer, { subject: `test:${role}`, name: role, tenantId, role }, 600);
  const call = async (method: string, path: string, bearer: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify(body),
    });
    return response.status;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aether-destroy-key-'));
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('aether_gateway_destroy_key')]);
    ({ app, url, issuer } = await startGatewayInProcess(
      {
        NATS_URL: nats.url,
        DATABASE_URL: db.url,
        AUTH_SIGNING_KEY_FILE: join(dir, 'auth', 'signing-key.json'),
        VAULT_MASTER_KEY_FILE: join(dir, 'vault', 'master-keys.json'),
      },
      useLiveAdapter,
    ));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await Promise.all([nats?.stop(), db?.drop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("shreds only the caller's tenant, for admins only, with the tenant named again, and records who did it", async () => {
    const vault = app.get<SecretVault>(SECRET_VAULT);
    for (const tenant of ['t1', 't2'])
      expect(
        await call('PUT', '/api/v1/secrets/dbPassword', await token('admin', tenant), {
          value: `pw-${tenant}`,
        }),
      ).toBe(200);

    const admin = await token('admin', 't1');
    expect(
      await call('POST', '/api/v1/secrets/destroy-key', await token('developer', 't1'), {
        confirmTenant: 't1',
      }),
    ).toBe(403);
    expect(await call('POST', '/api/v1/secrets/destroy-key', admin, { confirmTenant: 't2' })).toBe(400);
    expect(await call('POST', '/api/v1/secrets/destroy-key', admin, {})).toBe(400);
    expect(await vault.read('t1', 'dbPassword')).toBe('pw-t1');

    expect(await call('POST', '/api/v1/secrets/destroy-key', admin, { confirmTenant: 't1' })).toBe(204);
    await expect(vault.read('t1', 'dbPassword')).rejects.toThrow();
    expect(await vault.read('t2', 'dbPassword')).toBe('pw-t2');

    const nc = await connectNats({ servers: nats.url, name: 'destroy-key-test' });
    const store = new EventStore(jetstream(nc), await jetstreamManager(nc));
    const day = new Date().toISOString().slice(0, 10);
    const recorded = await eventually(
      async () => {
        const read = await store.read(subjects.event('t1', 'audit', day), new MessageRegistry(AUDIT_EVENTS));
        const data = read.events.map(
          (e) => e.event.data as { action: string; status: number; actor: { subject: string } },
        );
        return data.find((d) => d.action === 'POST /api/v1/secrets/destroy-key' && d.status === 204);
      },
      { what: 'the audit event of the destruction' },
    );
    expect(recorded.actor.subject).toBe('test:admin');
    await nc.close();
  });

  it("rotates only the caller's tenant's data key, for admins only; secrets stay readable", async () => {
    const vault = app.get<SecretVault>(SECRET_VAULT);
    const admin = await token('admin', 'r1');
    expect(await call('PUT', '/api/v1/secrets/apiToken', admin, { value: 'tok-r1' })).toBe(200);
    expect(
      await call('PUT', '/api/v1/secrets/apiToken', await token('admin', 'r2'), { value: 'tok-r2' }),
    ).toBe(200);
    expect(await call('POST', '/api/v1/secrets/rotate-key', await token('developer', 'r1'), {})).toBe(403);
    const response = await fetch(`${url}/api/v1/secrets/rotate-key`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    const text = await response.text();
    expect(response.status).toBe(201);
    expect(JSON.parse(text)).toEqual({ dataKeyId: expect.any(String), resealed: 1 });
    expect(text).not.toContain('tok-r1');
    expect(await vault.read('r1', 'apiToken')).toBe('tok-r1');
    expect(await vault.read('r2', 'apiToken')).toBe('tok-r2');
  });
});
