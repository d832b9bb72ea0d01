import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateNatsAuthority, natsServerAuthConfig } from '@aether/identity';
import { createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@aether/testing';
import { startDemoSite, type DemoSite } from '@aether/demo-site';
import { startStack, type RunningStack } from './stack';

export interface PlatformOptions {
  /** Names the log folder (`aether-<name>-…` under the temp dir). */
  readonly name: string;
  /** Robot processes to start. Default 1. */
  readonly robots?: number;
  /** Start the demo site. Default true. */
  readonly demoSite?: boolean;
  /** Environment for every service (LOG_LEVEL defaults to info), and for robots only. */
  readonly env?: Record<string, string>;
  readonly robotEnv?: Record<string, string>;
  /** Use this server / database instead of starting one; the platform then leaves it running. */
  readonly nats?: TestNatsServer;
  readonly db?: TestDatabase;
  /** Prefix of the created database's name. */
  readonly databasePrefix?: string;
  /** Run a build's JavaScript (`npm run build -- --out <dir>`) instead of compiling as it loads. */
  readonly build?: string;
  /** Secrets of the default tenant in the vault; robots then read secrets from it (see `StackOptions.secrets`). */
  readonly secrets?: Record<string, string>;
  /** The demo site's password (default `demo-password`). */
  readonly demoPassword?: string;
  /**
   * Run nats-server with the generated accounts (ADR 38): services and robots connect with their
   * own credentials, robots enrolled through the gateway. Not with `nats`. Default: whether
   * `E2E_NATS_AUTH=1` is set, to run a suite written without it under the services' own rights
   * (ADR 85); a suite that connects to NATS itself must use `natsCreds` then.
   */
  readonly natsAuth?: boolean;
}

/** One event of a job as `GET /api/v1/jobs/{id}/events` shows it. */
export interface JobEventView {
  readonly sequence: number;
  readonly type: string;
  readonly occurredAt: string;
  readonly data: Record<string, unknown>;
}

export interface ApiResponse<T> {
  readonly status: number;
  readonly body: T;
}

/** A private platform for one test suite or benchmark: nats-server, database, demo site, every service, robots. */
export interface TestPlatform {
  readonly nats: TestNatsServer;
  readonly db: TestDatabase;
  /** Absent when started with `demoSite: false`. */
  readonly site: DemoSite;
  readonly stack: RunningStack;
  readonly logDir: string;
  /** With `natsAuth`: `.creds` text with the services' rights, for the test's own connections. */
  readonly natsCreds?: string;
  /**
   * Calls the gateway as the default tenant's admin unless `headers` has its own `authorization`
   * (an empty one sends none); a string body is sent as is, anything else as JSON.
   */
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>>;
  /** The job's events, oldest first: none before its first (404); any other failure throws. */
  events(jobId: string): Promise<JobEventView[]>;
  /** Stops what it started; the logs are kept when KEEP_LOGS is set. */
  stop(): Promise<void>;
}

export async function startTestPlatform(options: PlatformOptions): Promise<TestPlatform> {
  const logDir = mkdtempSync(join(tmpdir(), `aether-${options.name}-`));
  const natsAuth = options.natsAuth ?? (!options.nats && process.env['E2E_NATS_AUTH'] === '1');
  const authorityFile = natsAuth ? join(logDir, 'nats', 'authority.json') : undefined;
  const [nats, db, site] = await Promise.all([
    options.nats ??
      (authorityFile
        ? natsServerAuthConfig(loadOrCreateNatsAuthority(authorityFile), '{{storeDir}}/resolver').then(
            (config) => startNatsServer({ config }),
          )
        : startNatsServer()),
    options.db ?? createTestDatabase(options.databasePrefix),
    options.demoSite === false
      ? undefined
      : startDemoSite(options.demoPassword ? { password: options.demoPassword } : {}),
  ]);
  const release = async () => {
    await site?.close();
    // Kept beside the services' logs: a permissions violation is logged by the server only.
    if (process.env['KEEP_LOGS']) writeFileSync(join(logDir, 'nats-server.log'), nats.log());
    if (!options.nats) await nats.stop();
    if (!options.db) await db.drop();
  };
  const stack = await startStack({
    natsUrl: nats.url,
    databaseUrl: db.url,
    logDir,
    robots: options.robots ?? 1,
    env: { LOG_LEVEL: 'info', ...options.env },
    robotEnv: { FILES_ROOT: join(logDir, 'files'), ...options.robotEnv },
    ...(options.build ? { build: options.build } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(authorityFile ? { natsAuthorityFile: authorityFile } : {}),
  }).catch(async (error: unknown) => {
    await release(); // the stack stopped what it had started; the logs stay for the failure
    throw error;
  });
  const api = async <T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const signedIn = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(signedIn ? {} : { authorization: `Bearer ${stack.adminToken}` }),
        ...Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== '')),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    nats,
    db,
    site: site as DemoSite,
    stack,
    logDir,
    ...(stack.natsCredsFile ? { natsCreds: readFileSync(stack.natsCredsFile, 'utf8') } : {}),
    api,
    async events(jobId: string) {
      const { status, body } = await api<{ events: JobEventView[] }>('GET', `/api/v1/jobs/${jobId}/events`);
      if (status === 404) return [];
      if (status !== 200)
        throw new Error(`GET /api/v1/jobs/${jobId}/events → ${status} ${JSON.stringify(body)}`);
      return body.events;
    },
    async stop() {
      await stack.stop();
      await release();
      if (!process.env['KEEP_LOGS']) rmSync(logDir, { recursive: true, force: true });
    },
  };
}
