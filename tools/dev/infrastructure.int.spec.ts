import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { connectNats, ensureStreams } from '@aether/event-store';
import {
  issueNatsUser,
  loadOrCreateNatsAuthority,
  SERVICE_NATS_PERMISSIONS,
  serviceNatsPermissions,
} from '@aether/identity';
import { claimDatabase, portOpen, startAuthenticatedNats } from './infrastructure';
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

/** Two checkouts on one machine: each data directory keeps the default database it first used. */
describe('claimDatabase', () => {
  const name = `aether_claim_${process.pid}`;
  const server = new URL(`postgres://postgres@127.0.0.1:5432/${name}`);
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'aether-claim-'));
    dirs.push(dir);
    return dir;
  };
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };

  afterAll(async () => {
    const made = await admin(`SELECT datname FROM pg_database WHERE datname LIKE '${name}%'`);
    for (const { datname } of made.rows) await admin(`DROP DATABASE "${datname}" WITH (FORCE)`);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('claims a database made before it, leaves one another data directory claimed, and finds its own again', async () => {
    await admin(`CREATE DATABASE "${name}"`); // an existing checkout's database, from before claims
    const first = dataDir();
    const second = dataDir();

    expect(await claimDatabase(server, first)).toEqual({ url: server.toString() });
    const theirs = await claimDatabase(server, second);
    const secondId = readFileSync(join(second, 'instance'), 'utf8').trim();
    expect(theirs).toEqual({
      url: `postgres://postgres@127.0.0.1:5432/${name}_${secondId}`,
      elsewhere: `${name} belongs to another data directory`,
    });
    expect(await claimDatabase(server, first)).toEqual({ url: server.toString() });
    expect(await claimDatabase(server, second)).toEqual(theirs);

    // A data directory made again (its event store gone) does not take the old projections.
    rmSync(first, { recursive: true, force: true });
    const again = await claimDatabase(server, first);
    expect(again.url).not.toBe(server.toString());
    expect(again.url).not.toBe(theirs.url);
  }, 30_000);
});
