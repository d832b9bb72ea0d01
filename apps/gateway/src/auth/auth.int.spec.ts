import 'reflect-metadata';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { AUDIT_EVENTS, KV_BUCKETS, MessageRegistry, subjects } from '@aether/contracts';
import { EventStore, connectNats } from '@aether/event-store';
import {
  API_KEY_PREFIX,
  issueAccessToken,
  ROLES,
  UserDirectory,
  type EmbeddedIssuer,
  type Role,
} from '@aether/identity';
import {
  createTestDatabase,
  eventually,
  startNatsServer,
  type TestDatabase,
  type TestNatsServer,
} from '@aether/testing';
import { startGatewayInProcess } from '../testing/gateway-in-process';
import { useLiveAdapter } from '../live/live.gateway';
import { PUBLIC, ROUTE_TABLE, routeKey } from './route-table';

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every `<METHOD> <path>` the running Express app answers, as Nest registered it. */
function servedRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } };
  return express.router.stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods)
          .filter((method) => method !== '_all')
          .map((method) => routeKey(method, (layer.route as { path: string }).path))
      : [],
  );
}

/** A concrete URL for a route pattern: every `:param` becomes a plausible id. */
const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, 'abcdefghijklmnopq');

describe('gateway authentication and the route table', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;
  let dir: string;
  let issuer: EmbeddedIssuer;
  let nc: NatsConnection;

  const token = (role: Role, tenantId = 'default', ttlSeconds = 600) =>
    issueAccessToken(issuer, { subject: `test:${role}`, name: role, tenantId, role }, ttlSeconds);
  const call = async (method: string, path: string, bearer?: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('aether_gateway_auth')]);
    dir = mkdtempSync(join(tmpdir(), 'aether-auth-'));
    ({ app, url, issuer } = await startGatewayInProcess(
      {
        NATS_URL: nats.url,
        DATABASE_URL: db.url,
        AUTH_SIGNING_KEY_FILE: join(dir, 'auth', 'signing-key.json'),
        VAULT_MASTER_KEY_FILE: join(dir, 'vault', 'master-keys.json'),
        AUTH_SIGNIN_LIMIT: '5',
      },
      useLiveAdapter,
    ));
    nc = await connectNats({ servers: nats.url, name: 'auth-test' });
  });

  afterAll(async () => {
    await nc?.close();
    await app?.close();
    await Promise.all([nats?.stop(), db?.drop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the generated signing key private to its owner', () => {
    expect(statSync(join(dir, 'auth', 'signing-key.json')).mode & 0o777).toBe(0o600);
  });

  it('has a row for every route Nest serves and no row for a route it does not', () => {
    expect(servedRoutes(app).sort()).toEqual(Object.keys(ROUTE_TABLE).sort());
  });

  it('documents every route Nest serves in its OpenAPI document, and no other', async () => {
    const response = await fetch(`${url}/api/docs/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(document.openapi).toMatch(/^3\./);
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => routeKey(method, path.replace(/\{([A-Za-z]+)\}/g, ':$1'))),
    );
    expect(documented.sort()).toEqual(servedRoutes(app).sort());
    const ui = await fetch(`${url}/api/docs`);
    expect(ui.headers.get('content-type')).toContain('text/html');
    expect(await ui.text()).toContain('/api/docs/openapi.json');
  });

  it('answers 401 to every non-public route called without a token, or with a bad one', async () => {
    for (const [key, access] of Object.entries(ROUTE_TABLE)) {
      if (access === PUBLIC) continue;
      const [method, path] = key.split(' ') as [string, string];
      const anonymous = await call(method, concrete(path));
      expect({ key, status: anonymous.status }).toEqual({ key, status: 401 });
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
      const forged = await call(method, concrete(path), `${(await token('admin')).slice(0, -4)}AAAA`);
      expect({ key, status: forged.status }).toEqual({ key, status: 401 });
    }
    // Expiry is judged with 30 s of clock tolerance: a token a minute past its end is refused.
    const stale = await issueAccessToken(
      issuer,
      { subject: 'test:old', name: 'old', tenantId: 'default', role: 'admin' },
      -60,
    );
    expect((await call('GET', '/api/v1/jobs', stale)).body.message).toBe('token expired');
  });

  it('answers 403 to every role the table does not list for a route', async () => {
    let refused = 0;
    for (const [key, access] of Object.entries(ROUTE_TABLE)) {
      if (access === PUBLIC) continue;
      const [method, path] = key.split(' ') as [string, string];
      for (const role of ROLES.filter((r) => !access.includes(r))) {
        const { status } = await call(method, concrete(path), await token(role));
        expect({ key, role, status }).toEqual({ key, role, status: 403 });
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(50);
  });

  it('signs a user in, tells who they are, and refuses a wrong password alike for unknown users', async () => {
    const users = await UserDirectory.open(nc);
    expect(
      await users.createIfAbsent({ username: 'ops', tenantId: 'acme', role: 'operator', password: 'pw-1' }),
    ).toBe(true);
    expect(
      await users.createIfAbsent({ username: 'ops', tenantId: 'acme', role: 'admin', password: 'other' }),
    ).toBe(false);

    const signedIn = await call('POST', '/api/v1/auth/token', undefined, {
      username: 'ops',
      password: 'pw-1',
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ token_type: 'Bearer', tenantId: 'acme', role: 'operator' });
    const me = await call('GET', '/api/v1/auth/me', signedIn.body.access_token);
    expect(me.body).toEqual({
      subject: 'user:ops',
      name: 'ops',
      tenantId: 'acme',
      role: 'operator',
      via: 'token',
    });

    const wrong = await call('POST', '/api/v1/auth/token', undefined, { username: 'ops', password: 'nope' });
    const unknown = await call('POST', '/api/v1/auth/token', undefined, {
      username: 'who',
      password: 'nope',
    });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.message).toBe(unknown.body.message);
    expect(JSON.stringify(signedIn.body)).not.toContain('pw-1');
  });

  it('rate-limits sign-in per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await call('POST', '/api/v1/auth/token', undefined, { username: 'x', password: 'y' })).status,
      );
    expect(statuses).toContain(429);
  });

  it('takes the tenant from the token: another tenant finds nothing (404), a header changes nothing', async () => {
    const a = await token('admin', 'tenant-a');
    const b = await token('admin', 'tenant-b');
    const workflow = {
      id: 'only-a',
      nodes: [{ id: 'stop', type: 'stopWithError', params: { message: 'never run' } }],
    };
    expect((await call('POST', '/api/v1/workflows', a, workflow)).status).toBe(201);
    expect((await call('POST', '/api/v1/workflows/only-a/trigger', a, {})).status).toBe(202);
    expect((await call('POST', '/api/v1/workflows/only-a/trigger', b, {})).status).toBe(404);

    const hook = await call('POST', '/api/v1/hooks', a, { workflowId: 'only-a' });
    expect(hook.status).toBe(201);
    expect((await call('GET', `/api/v1/hooks/${hook.body.hookId}`, a)).status).toBe(200);
    expect((await call('GET', `/api/v1/hooks/${hook.body.hookId}`, b)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/hooks/${hook.body.hookId}`, b)).status).toBe(404);
    expect((await call('GET', '/api/v1/hooks', b)).body).toEqual([]);

    const spoofed = await fetch(`${url}/api/v1/hooks/${hook.body.hookId}`, {
      headers: { authorization: `Bearer ${b}`, 'x-aether-tenant': 'tenant-a' },
    });
    expect(spoofed.status).toBe(404);
  });

  it('issues API keys shown once, scoped to the tenant and a role, stored hashed and revocable', async () => {
    const admin = await token('admin', 'tenant-k');
    const created = await call('POST', '/api/v1/auth/api-keys', admin, { name: 'ci-bot', role: 'developer' });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^aek_/);

    const me = await call('GET', '/api/v1/auth/me', key);
    expect(me.body).toEqual({
      subject: `key:${created.body.id}`,
      name: 'ci-bot',
      tenantId: 'tenant-k',
      role: 'developer',
      via: 'api-key',
    });
    expect((await call('GET', '/api/v1/auth/api-keys', key)).status).toBe(403); // developer, not admin
    const listed = await call('GET', '/api/v1/auth/api-keys', admin);
    expect(listed.body).toEqual([expect.objectContaining({ id: created.body.id, name: 'ci-bot' })]);
    expect(JSON.stringify(listed.body)).not.toContain(key.slice(-20));
    expect((await call('GET', '/api/v1/auth/api-keys', await token('admin', 'tenant-other'))).body).toEqual(
      [],
    );

    const stored = await (await new Kvm(nc).open(KV_BUCKETS.apiKeys)).get(created.body.id);
    // The secret is all that follows the id: base64url has '_' in it too, so splitting on it can
    // leave a one-letter fragment that any stored text contains.
    const secret = key.slice(`${API_KEY_PREFIX}${created.body.id}_`.length);
    expect(secret).toHaveLength(43);
    expect(stored!.string()).not.toContain(secret);

    expect(
      (await call('DELETE', `/api/v1/auth/api-keys/${created.body.id}`, await token('admin', 'tenant-other')))
        .status,
    ).toBe(404);
    expect((await call('DELETE', `/api/v1/auth/api-keys/${created.body.id}`, admin)).status).toBe(204);
    const revoked = await call('GET', '/api/v1/auth/me', key);
    expect(revoked).toMatchObject({ status: 401, body: { message: 'unknown or revoked API key' } });
  });

  it('records every mutating call as an audit event: who, role, tenant, what, when, from where', async () => {
    const operator = await token('operator', 'tenant-audit');
    const viewer = await token('viewer', 'tenant-audit');
    await call('POST', '/api/v1/jobs/no-such-job/cancel', operator, {});
    await call('GET', '/api/v1/jobs', viewer);
    await call('POST', '/api/v1/workflows', viewer, {}); // refused by the guard before any handler
    const day = new Date().toISOString().slice(0, 10);
    const store = new EventStore(jetstream(nc), await jetstreamManager(nc));
    const history = await eventually(async () => {
      const read = await store.read(
        subjects.event('tenant-audit', 'audit', day),
        new MessageRegistry(AUDIT_EVENTS),
      );
      return read.events.length >= 1 ? read : undefined;
    });
    expect(history.events.map((e) => e.event.data)).toEqual([
      {
        actor: { subject: 'test:operator', name: 'operator', role: 'operator', via: 'token' },
        action: 'POST /api/v1/jobs/:jobId/cancel',
        path: '/api/v1/jobs/no-such-job/cancel',
        status: expect.any(Number),
        ip: expect.stringMatching(/127\.0\.0\.1/),
        userAgent: expect.any(String),
      },
    ]);
    expect(history.events[0]!.event.tenantId).toBe('tenant-audit');
  });

  it('serves the public key that verifies its tokens', async () => {
    const { body } = await call('GET', '/api/v1/auth/jwks');
    expect(body.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', kid: issuer.key.kid })]);
    expect(body.keys[0].d).toBeUndefined();
  });
});
