import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  AETHER_SERVICES,
  credsGrantCurrentRobotRights,
  issueNatsUser,
  loadOrCreateNatsAuthority,
  serviceNatsPermissions,
  writeSecretFile,
  type AetherService,
} from '@aether/identity';
import { freePort } from '@aether/testing';
import { loadMasterKeyring } from '@aether/vault';
import { rememberAdminToken, stackAuth, type StackAuth } from './auth';
import { logChildOutput } from './child-log';

export const REPO_ROOT = resolve(__dirname, '../..');

export type ServiceName = (typeof AETHER_SERVICES)[number] | 'robot';
export const ALL_SERVICES: readonly ServiceName[] = AETHER_SERVICES;

export interface ServiceProcess {
  readonly name: string;
  readonly service: ServiceName;
  readonly port: number;
  readonly url: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartServiceOptions {
  natsUrl: string;
  databaseUrl: string;
  logDir: string;
  env?: Record<string, string>;
  /** Defaults to a free port. */
  port?: number;
  /** Distinguishes several robots: `robot-2`. */
  name?: string;
  /** A build's directory (`npm run build -- --out <dir>`): run its JavaScript instead of compiling as it loads. */
  build?: string;
}

/**
 * A young generation twice V8's default (16 MB semi-spaces on 64-bit): a busy service scavenges
 * half as often and uses less CPU per job (ADR 25). Every launcher in deploy/ passes the same flag.
 */
const NODE_FLAGS = ['--max-semi-space-size=32'] as const;

/** With `AETHER_CPU_PROF_DIR` set, every service writes a V8 CPU profile there when it exits. */
function profiling(): string[] {
  const dir = process.env['AETHER_CPU_PROF_DIR'];
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Starts one service as its own process (TypeScript through SWC) and waits for its `/health`. */
export async function startServiceProcess(
  service: ServiceName,
  options: StartServiceOptions,
): Promise<ServiceProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await launchOnce(service, options, port);
    } catch (error) {
      // freePort() lets go of the port before the service binds it, and an ephemeral port is also
      // a local port for outgoing connections: another process (a parallel test lane) can take it
      // in between. Only a port chosen here is chosen again.
      const taken =
        error instanceof Error && error.message.includes(`address already in use 127.0.0.1:${port}`);
      if (options.port !== undefined || !taken || attempt === 3) throw error;
    }
  }
}

async function launchOnce(
  service: ServiceName,
  options: StartServiceOptions,
  port: number,
): Promise<ServiceProcess> {
  const name = options.name ?? service;
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${name}.log`);
  const main = options.build
    ? [join(options.build, 'apps', service, 'src', 'main.js')]
    : ['-r', '@swc-node/register', join('apps', service, 'src', 'main.ts')];
  const child = spawn(process.execPath, [...NODE_FLAGS, ...profiling(), '--enable-source-maps', ...main], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NATS_URL: options.natsUrl,
      DATABASE_URL: options.databaseUrl,
      PORT: String(port),
      SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'),
      // A build's gateway serves that build's console.
      ...(options.build ? { CONSOLE_DIR: join(options.build, 'apps', 'console', 'browser') } : {}),
      ...options.env,
    },
    // The IPC channel is how the service learns that this process is gone (stopWithParent).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  logChildOutput(child, logFile);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const running: ServiceProcess = {
    name,
    service,
    port,
    url,
    logFile,
    child,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  try {
    // Seven services compiling their TypeScript at once on two busy cores have taken over 60 s;
    // AETHER_HEALTH_TIMEOUT_MS gives them longer still.
    await waitForHealth(running, exited, Number(process.env['AETHER_HEALTH_TIMEOUT_MS'] ?? 120_000));
  } catch (error) {
    await running.stop(0); // a service that never became healthy must not outlive the attempt
    throw error;
  }
  return running;
}

async function waitForHealth(
  service: ServiceProcess,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline && !gone) {
    try {
      const response = await fetch(`${service.url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet, or something else holds the port and never answers
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  const tail = readFileSync(service.logFile, 'utf8').split('\n').slice(-15).join('\n');
  throw new Error(
    `${service.name} did not become healthy (${gone ? 'it exited' : 'timed out'}); last log lines:\n${tail}`,
  );
}

export interface StackOptions {
  natsUrl: string;
  databaseUrl: string;
  logDir: string;
  /** Number of robot processes. Default 1. */
  robots?: number;
  gatewayPort?: number;
  /** Extra environment for every service (e.g. LOG_LEVEL) and for robots only. */
  env?: Record<string, string>;
  robotEnv?: Record<string, string>;
  /** Run a build's JavaScript (see `StartServiceOptions.build`). */
  build?: string;
  /** The gateway's token signing key; generated when missing. Default `<logDir>/auth/signing-key.json`. */
  signingKeyFile?: string;
  /**
   * Secrets of the default tenant, written to the vault before robots start. When given, every
   * robot gets its own credential (a `robot` token named after it) and reads secrets from the
   * vault instead of `AETHER_SECRET_*`.
   */
  secrets?: Record<string, string>;
  /**
   * The NATS servers require credentials (ADR 38) and this file holds the operator and account
   * seeds. Every service then connects with its own `.creds` (kept beside it), the gateway
   * enrols robots, and each robot exchanges a one-time token for its own least-privilege
   * credentials on first start (kept in `robots/<name>.creds` beside it and reused after).
   */
  natsAuthorityFile?: string;
}

export interface RunningStack {
  readonly gatewayUrl: string;
  /** Mints tokens the gateway accepts (any tenant, any role). */
  readonly auth: StackAuth;
  /** A token of the default tenant's admin; `platform.api` and the demo helpers send it. */
  readonly adminToken: string;
  readonly services: ServiceProcess[];
  readonly robots: ServiceProcess[];
  /** With `natsAuthorityFile`: a `.creds` file with the services' rights, for tools and tests of this stack. */
  readonly natsCredsFile?: string;
  addRobot(name?: string, env?: Record<string, string>): Promise<ServiceProcess>;
  /**
   * Stops every process — with `kill`, SIGKILL at once — then starts each again with its name,
   * port and environment (services first, healthy, then robots). `services` and `robots` then
   * hold the new processes.
   */
  restart(options?: { kill?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** Every backend service plus robots, each its own process, healthy before this resolves. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const signingKeyFile = options.signingKeyFile ?? join(options.logDir, 'auth', 'signing-key.json');
  const auth = await stackAuth(signingKeyFile);
  // The vault's master key sits beside the signing key: `.data/vault/` for `npm start`.
  const masterKeyFile = join(dirname(dirname(signingKeyFile)), 'vault', 'master-keys.json');
  // Made here, before any service starts: the scheduler only reads it (it never makes a key of
  // its own), so on a first start it would race the gateway that would otherwise make it.
  loadMasterKeyring({ file: masterKeyFile });
  const common = {
    natsUrl: options.natsUrl,
    databaseUrl: options.databaseUrl,
    logDir: options.logDir,
    env: options.env,
    ...(options.build ? { build: options.build } : {}),
  };
  const authorityFile = options.natsAuthorityFile;
  const credsDir = authorityFile ? dirname(authorityFile) : undefined;
  const serviceCreds = async (service: ServiceName): Promise<Record<string, string>> =>
    authorityFile && credsDir && service !== 'robot'
      ? {
          NATS_CREDS_FILE: await writeServiceCreds(
            authorityFile,
            join(credsDir, `${service}.creds`),
            service,
          ),
        }
      : {};
  // How each process was started, by name, so `restart` starts it again the same way.
  const launches = new Map<string, { service: ServiceName; options: StartServiceOptions }>();
  const launch = async (service: ServiceName, serviceOptions: StartServiceOptions) => {
    const started = await startServiceProcess(service, serviceOptions);
    launches.set(started.name, { service, options: { ...serviceOptions, port: started.port } });
    return started;
  };
  const started = await Promise.allSettled(
    ALL_SERVICES.map(async (service) =>
      launch(service, {
        ...common,
        env: {
          ...(service === 'gateway'
            ? // Outbound subscriptions may reach a local subscriber over plain http (ADR 57, 69).
              {
                OUTBOUND_ALLOW_HTTP_HOSTS: '127.0.0.1,localhost',
                OUTBOUND_EGRESS_ALLOW: '127.0.0.1,localhost',
              }
            : {}),
          ...options.env,
          ...(await serviceCreds(service)),
          ...(service === 'gateway'
            ? {
                ...(authorityFile ? { NATS_AUTHORITY_FILE: authorityFile } : {}),
                AUTH_SIGNING_KEY_FILE: auth.signingKeyFile,
                VAULT_MASTER_KEY_FILE: masterKeyFile,
              }
            : {}),
          // Mail triggers read their mailbox URL from the vault (ADR 68).
          ...(service === 'scheduler' ? { VAULT_MASTER_KEY_FILE: masterKeyFile } : {}),
        },
        ...(service === 'gateway' && options.gatewayPort ? { port: options.gatewayPort } : {}),
      }),
    ),
  );
  const services = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(services.map((service) => service.stop()));
    throw failed.reason;
  }
  const gateway = services.find((s) => s.service === 'gateway') as ServiceProcess;
  const adminToken = await auth.token();
  rememberAdminToken(gateway.url, adminToken);
  const robots: ServiceProcess[] = [];
  const addRobot = async (name = `robot-${robots.length + 1}`, env: Record<string, string> = {}) => {
    const tenantId = env['ROBOT_TENANT'] ?? options.robotEnv?.['ROBOT_TENANT'] ?? 'default';
    // A production robot gets an API key of role robot named after it; a token lasts as long here.
    const credential: Record<string, string> = options.secrets
      ? {
          ROBOT_CREDENTIAL: await auth.token({
            tenantId,
            role: 'robot',
            name,
            subject: `robot:${name}`,
            ttlSeconds: 90 * 86_400,
          }),
        }
      : {};
    const own = credsDir
      ? await robotEnrolment(
          gateway.url,
          await auth.token({ tenantId }),
          tenantId,
          name,
          join(credsDir, 'robots', `${name}.creds`),
        )
      : {};
    const robot = await launch('robot', {
      ...common,
      name,
      env: { ...options.env, ROBOT_ID: name, ...credential, ...own, ...options.robotEnv, ...env },
    });
    robots.push(robot);
    return robot;
  };
  const stop = async () => {
    await Promise.all(robots.map((robot) => robot.stop()));
    await Promise.all(services.map((service) => service.stop()));
  };
  try {
    for (const [name, value] of Object.entries(options.secrets ?? {}))
      await putSecret(gateway.url, adminToken, name, value);
    for (let i = 0; i < (options.robots ?? 1); i++) await addRobot();
  } catch (error) {
    await stop();
    throw error;
  }
  const restart = async ({ kill = false } = {}) => {
    await Promise.all(
      [...robots, ...services].map((running) => {
        if (kill) running.child.kill('SIGKILL');
        return running.stop();
      }),
    );
    const again = (list: ServiceProcess[]) =>
      Promise.all(
        list.map(async (running, index) => {
          const how = launches.get(running.name);
          if (how) list[index] = await launch(how.service, how.options);
        }),
      );
    await again(services);
    await again(robots);
  };
  return {
    gatewayUrl: gateway.url,
    auth,
    adminToken,
    services,
    robots,
    ...(authorityFile && credsDir
      ? { natsCredsFile: await writeServiceCreds(authorityFile, join(credsDir, 'tools.creds'), 'tools') }
      : {}),
    addRobot,
    restart,
    stop,
  };
}

/** A service user's `.creds` (mode 0600), signed afresh from the authority at every start with its rights. */
async function writeServiceCreds(authorityFile: string, file: string, name: AetherService): Promise<string> {
  // Each service its own rights (ADR 85); `tools` (tests, the CLI) the whole account.
  const user = await issueNatsUser(loadOrCreateNatsAuthority(authorityFile), {
    name,
    permissions: serviceNatsPermissions(name),
  });
  writeSecretFile(file, user.creds ?? '');
  return file;
}

/**
 * A robot's environment for its own credentials: the kept `.creds` file, or on first start a
 * one-time enrolment token (issued here by the tenant's admin) it exchanges at the gateway. Kept
 * credentials signed with older rights than today's are revoked and the robot enrolled again
 * (ADR 76).
 */
async function robotEnrolment(
  gatewayUrl: string,
  adminToken: string,
  tenantId: string,
  robotId: string,
  credsFile: string,
): Promise<Record<string, string>> {
  const robotUrl = `${gatewayUrl}/api/v1/robots/${encodeURIComponent(robotId)}`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` };
  if (existsSync(credsFile)) {
    if (credsGrantCurrentRobotRights(readFileSync(credsFile, 'utf8'), tenantId, robotId))
      return { NATS_CREDS_FILE: credsFile };
    const revoked = await fetch(`${robotUrl}/revoke`, { method: 'POST', headers });
    if (!revoked.ok && revoked.status !== 404)
      throw new Error(`revoking ${robotId}'s old credentials answered ${revoked.status}`);
    rmSync(credsFile);
  }
  const response = await fetch(`${robotUrl}/enrolment`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ ttlSeconds: 600 }),
  });
  if (!response.ok)
    throw new Error(`enrolling ${robotId} answered ${response.status} ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  return { NATS_CREDS_FILE: credsFile, ROBOT_ENROLMENT_TOKEN: token, AETHER_GATEWAY_URL: gatewayUrl };
}

/** Writes one secret of the token's tenant into the vault through the gateway. */
export async function putSecret(
  gatewayUrl: string,
  token: string,
  name: string,
  value: string,
): Promise<void> {
  const response = await fetch(`${gatewayUrl}/api/v1/secrets/${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ value }),
  });
  // The answer names the secret only; it is still not echoed, in case it ever changes.
  if (!response.ok) throw new Error(`writing secret ${name} answered ${response.status}`);
}
