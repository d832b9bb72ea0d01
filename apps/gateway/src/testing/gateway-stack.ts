import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueAccessToken, type Role } from '@aether/identity';
import { createTestDatabase, startNatsServer, type TestNatsServer } from '@aether/testing';
import { configureHttp } from '../http-setup';
import { startGatewayInProcess, type GatewayInProcess } from './gateway-in-process';

/** What a test reads of an answer: a problem document's fields, or other JSON. */
export interface Answer {
  readonly message?: string;
  readonly problems?: { path: string; message: string }[];
}

export interface GatewayStack {
  readonly nats: TestNatsServer;
  readonly gateway: GatewayInProcess;
  /** Calls `/api/v1<path>` with a token of `as` (default: tenant `default`, role `admin`). */
  call(
    method: string,
    path: string,
    body?: unknown,
    as?: { readonly tenantId?: string; readonly role?: Role },
  ): Promise<{ readonly status: number; readonly body: Answer }>;
  stop(): Promise<void>;
}

/** A real nats-server, a PostgreSQL database of its own and the gateway over them, set up as `main.ts` does. */
export async function startGatewayStack(name: string): Promise<GatewayStack> {
  const [nats, db] = await Promise.all([startNatsServer(), createTestDatabase(`aether_gateway_${name}`)]);
  const dir = mkdtempSync(join(tmpdir(), `aether-gateway-${name}-`));
  const gateway = await startGatewayInProcess(
    {
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      AUTH_SIGNING_KEY_FILE: join(dir, 'auth', 'signing-key.json'),
      VAULT_MASTER_KEY_FILE: join(dir, 'vault', 'master-keys.json'),
    },
    configureHttp,
  );
  return {
    nats,
    gateway,
    async call(method, path, body, { tenantId = 'default', role = 'admin' } = {}) {
      const bearer = await issueAccessToken(
        gateway.issuer,
        { subject: `test:${role}`, name: role, tenantId, role },
        600,
      );
      const response = await fetch(`${gateway.url}/api/v1${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : {}) as Answer };
    },
    async stop() {
      await gateway.app.close();
      await Promise.all([nats.stop(), db.drop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
