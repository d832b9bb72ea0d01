import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { jetstream } from '@nats-io/jetstream';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import { Objm } from '@nats-io/obj';
import { artifactsBucket, subjects } from '@aether/contracts';
import {
  createNatsUserSeed,
  formatNatsCreds,
  issueAccessToken,
  issueNatsUser,
  loadOrCreateNatsAuthority,
  natsServerAuthConfig,
  serviceNatsPermissions,
  type EmbeddedIssuer,
  type Role,
} from '@aether/identity';
import { createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@aether/testing';
import { useLiveAdapter } from '../live/live.gateway';
import { startGatewayInProcess } from '../testing/gateway-in-process';

describe('robots’ NATS credentials through the gateway (ADR 38)', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;
  let dir: string;
  let issuer: EmbeddedIssuer;
  let gatewayKey: string;

  const token = (role: Role, tenantId = 't1') =>
    issueAccessToken(issuer, { subject: `test:${role}`, name: role, tenantId, role }, 600);
  const call = async (path: string, bearer?: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: JSON.stringify(body ?? {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aether-robot-creds-'));
    const authorityFile = join(dir, 'nats', 'authority.json');
    const authority = loadOrCreateNatsAuthority(authorityFile);
    const gatewayUser = await issueNatsUser(authority, {
      name: 'gateway',
      // The gateway's own rights (ADR 85): enrolment makes consumers and buckets under them.
      permissions: serviceNatsPermissions('gateway'),
    });
    gatewayKey = gatewayUser.publicKey;
    writeFileSync(join(dir, 'gateway.creds'), gatewayUser.creds ?? '', { mode: 0o600 });
    [nats, db] = await Promise.all([
      startNatsServer({ config: await natsServerAuthConfig(authority, '{{storeDir}}/resolver') }),
      createTestDatabase('aether_gateway_robot_creds'),
    ]);
    ({ app, url, issuer } = await startGatewayInProcess(
      {
        NATS_URL: nats.url,
        NATS_CREDS_FILE: join(dir, 'gateway.creds'),
        NATS_AUTHORITY_FILE: authorityFile,
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

  it('an admin enrols a robot, the robot connects with its own key, an admin revokes it and it is cut off', async () => {
    expect((await call('/api/v1/robots/r1/enrolment', await token('operator'))).status).toBe(403);
    const issued = await call('/api/v1/robots/r1/enrolment', await token('admin'), {});
    expect(issued.status).toBe(201);
    expect(issued.body.token).toMatch(/^aen_/);

    const own = createNatsUserSeed();
    const enrolled = await call('/api/v1/robots/enrol', undefined, {
      token: issued.body.token,
      publicKey: own.publicKey,
    });
    expect(enrolled.status).toBe(200);
    expect(enrolled.body).toMatchObject({ tenantId: 't1', robotId: 'r1', inboxPrefix: '_INBOX.t1.r1' });
    const again = await call('/api/v1/robots/enrol', undefined, {
      token: issued.body.token,
      publicKey: own.publicKey,
    });
    expect(again.status).toBe(401);

    const robot = await connect({
      servers: nats.url,
      authenticator: credsAuthenticator(
        new TextEncoder().encode(formatNatsCreds(enrolled.body.jwt, own.seed)),
      ),
      inboxPrefix: enrolled.body.inboxPrefix,
      maxReconnectAttempts: 0,
    });
    await jetstream(robot).publish(subjects.event('t1', 'job', 'j1'), '{}');
    // Its tenant's artifacts bucket was made at enrolment: the robot may only open it (ADR 76).
    const bucket = await new Objm(robot).open(artifactsBucket('t1'));
    expect((await bucket.status()).streamInfo.config.name).toBe(`OBJ_${artifactsBucket('t1')}`);

    // Another tenant's admin cannot revoke it: its robot ids are its own.
    expect((await call('/api/v1/robots/r1/revoke', await token('admin', 't2'))).status).toBe(404);
    const started = Date.now();
    const cutOff = (async () => {
      for await (const status of robot.status())
        if (status.type === 'disconnect') return Date.now() - started;
      return Date.now() - started;
    })();
    expect((await call('/api/v1/robots/r1/revoke', await token('admin'))).status).toBe(204);
    expect(await cutOff).toBeLessThan(10_000); // ADR 38 aims at 2 s; a guard of liveness only
    await robot.closed();
    // The gateway did all of it within its own rights: the server refused it nothing.
    expect(nats.log()).not.toContain(gatewayKey);
  }, 30_000);

  it('refuses a malformed exchange with a problem naming the field', async () => {
    const response = await call('/api/v1/robots/enrol', undefined, { token: 'x', publicKey: 'not-a-key' });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain('publicKey');
  });
});
