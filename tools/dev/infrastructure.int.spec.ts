import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { connectNats, ensureStreams } from '@aether/event-store';
import {
  issueNatsUser,
  loadOrCreateNatsAuthority,
  SERVICE_NATS_PERMISSIONS,
  serviceNatsPermissions,
} from '@aether/identity';
import { portOpen, startAuthenticatedNats } from './infrastructure';
import { REPO_ROOT } from './stack';

/** `npm start`'s own nats-server (ADR 39): it requires credentials and keeps its accounts across restarts. */
describe('startAuthenticatedNats', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'aether-start-nats-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a connection without credentials, admits a service with its own, and keeps its store and accounts', async () => {
    const first = await startAuthenticatedNats(dataDir);
    try {
      expect(statSync(first.authorityFile).mode & 0o777).toBe(0o600);
      await expect(connect({ servers: first.url, maxReconnectAttempts: 0 })).rejects.toThrow(
        /Authorization Violation/i,
      );
      const service = await issueNatsUser(loadOrCreateNatsAuthority(first.authorityFile), {
        name: 'test-service',
        permissions: SERVICE_NATS_PERMISSIONS,
      });
      const nc = await connectNats({ servers: first.url, name: 'test', creds: service.creds });
      await (await jetstreamManager(nc)).streams.add({ name: 'KEPT', subjects: ['kept.>'] });
      await nc.close();
    } finally {
      await first.started.stop();
    }

    const second = await startAuthenticatedNats(dataDir);
    try {
      const service = await issueNatsUser(loadOrCreateNatsAuthority(second.authorityFile), {
        name: 'test-service',
        permissions: SERVICE_NATS_PERMISSIONS,
      });
      const nc = await connectNats({ servers: second.url, name: 'test', creds: service.creds });
      expect((await (await jetstreamManager(nc)).streams.info('KEPT')).config.subjects).toEqual(['kept.>']);
      await nc.close();
    } finally {
      await second.started.stop();
    }
  }, 60_000);
});

describe("the CLI and npm start's own nats-server on another port than 4222", () => {
  let dataDir: string;
  let squatter: Server | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aether-start-nats-url-'));
    // 4222 answers, but not as the platform's server (on this machine a system nats-server holds it).
    if (!(await portOpen('127.0.0.1', 4222))) {
      squatter = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => squatter?.listen(4222, '127.0.0.1', resolve));
    }
  });
  afterAll(async () => {
    await new Promise((resolve) => (squatter ? squatter.close(resolve) : resolve(undefined)));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('`aether quarantine` reads the server npm start started, with its tools credentials, no flags', async () => {
    const started = await startAuthenticatedNats(dataDir);
    try {
      expect(started.url).not.toBe('nats://127.0.0.1:4222');
      const tools = await issueNatsUser(loadOrCreateNatsAuthority(started.authorityFile), {
        name: 'tools',
        permissions: serviceNatsPermissions('tools'),
      });
      writeFileSync(join(dataDir, 'nats', 'tools.creds'), tools.creds ?? '', { mode: 0o600 });
      const nc = await connectNats({ servers: started.url, name: 'setup', creds: tools.creds });
      await ensureStreams(await jetstreamManager(nc));
      await nc.close();

      const env: NodeJS.ProcessEnv = { ...process.env, AETHER_DATA_DIR: dataDir };
      delete env['NATS_URL'];
      delete env['NATS_CREDS_FILE'];
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(REPO_ROOT, 'node_modules/@aether/cli/bin/aether.js'), 'quarantine'],
        { cwd: REPO_ROOT, env, timeout: 60_000 },
      );
      expect(stdout).toMatch(/^no messages in quarantine/);
    } finally {
      await started.started.stop();
    }
  }, 90_000);
});
