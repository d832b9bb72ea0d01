import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadOrCreateNatsAuthority, natsServerAuthConfig, writeSecretFile } from '@aether/identity';
import { freePort } from '@aether/testing';

/** A dependency this script started and must stop again. */
export interface Started {
  readonly description: string;
  stop(): Promise<void>;
}

export class MissingProgramError extends Error {
  constructor(program: string, aptPackage: string) {
    super(`${program} is not installed. Install it with:  sudo apt-get install -y ${aptPackage}`);
  }
}

export function portOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portOpen(host, port, 250)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export function findProgram(candidates: string[]): string | undefined {
  for (const candidate of candidates) {
    if (candidate.includes('/') ? existsSync(candidate) : spawnSync('which', [candidate]).status === 0)
      return candidate;
  }
  return undefined;
}

/** The NATS an operator named (`NATS_URL`): it must answer; its credentials come with it. */
export async function requireNats(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  if (!(await portOpen(hostname, Number(port || 4222))))
    throw new Error(`NATS_URL ${url} does not answer (unset it and npm start runs its own nats-server)`);
}

/**
 * Starts `nats-server -js` requiring credentials (ADR 38): the operator and account seeds are
 * made once in `<dataDir>/nats/authority.json` (0600), revocations persist in its resolver folder.
 * Listens on 4222 when that port is free, else on a free port: a server someone else runs there
 * is never used in its place. Its URL is written to `<dataDir>/nats/url` for the CLI.
 */
export async function startAuthenticatedNats(
  dataDir: string,
): Promise<{ url: string; authorityFile: string; started: Started }> {
  const binary = natsServerBinary();
  const dir = join(dataDir, 'nats');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const authorityFile = join(dir, 'authority.json');
  const configFile = join(dir, 'server.conf');
  writeSecretFile(
    configFile,
    await natsServerAuthConfig(loadOrCreateNatsAuthority(authorityFile), join(dir, 'resolver')),
  );
  const port = (await portOpen('127.0.0.1', 4222)) ? await freePort() : 4222;
  const child = spawn(binary, ['-c', configFile, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], {
    stdio: 'ignore',
  });
  const url = `nats://127.0.0.1:${port}`;
  if (!(await waitForPort('127.0.0.1', port, 10_000))) throw new Error(`nats-server did not start on ${url}`);
  rememberNatsUrl(dataDir, url);
  return {
    url,
    authorityFile,
    started: { description: `nats-server with accounts (store ${dir})`, stop: () => stopChild(child) },
  };
}

/**
 * Writes `<dataDir>/nats/url`, the server the CLI's `tail`, `replay` and `quarantine` connect to
 * by default: `npm start`'s own is on 4222 only when that port was free.
 */
export function rememberNatsUrl(dataDir: string, url: string): void {
  mkdirSync(join(dataDir, 'nats'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dataDir, 'nats', 'url'), `${url}\n`);
}

function natsServerBinary(): string {
  const binary = findProgram(
    [
      process.env['NATS_SERVER_BIN'] ?? '',
      '/usr/sbin/nats-server',
      '/usr/bin/nats-server',
      'nats-server',
    ].filter(Boolean),
  );
  if (!binary) throw new MissingProgramError('nats-server', 'nats-server');
  return binary;
}

/**
 * Uses PostgreSQL at `url` when it answers (creating the database if needed); else runs
 * Debian's PostgreSQL binaries on a cluster under `dataDir` (see docs/adr/0003). With `claim`
 * (the default database, no DATABASE_URL given) the database must belong to `dataDir`: see
 * {@link claimDatabase}.
 */
export async function ensurePostgres(
  url: string,
  dataDir: string,
  options: { claim?: boolean } = {},
): Promise<{ url: string; started?: Started; elsewhere?: string }> {
  const target = new URL(url);
  if (await portOpen(target.hostname, Number(target.port || 5432))) {
    if (options.claim) return claimDatabase(target, dataDir);
    await createDatabaseIfMissing(target);
    return { url };
  }
  const bin = postgresBinDir();
  if (!bin) throw new MissingProgramError('PostgreSQL', 'postgresql');
  const cluster = join(dataDir, 'postgres');
  const port = 54329;
  const asPostgres = (program: string, args: string[]) => {
    const command = join(bin, program);
    return process.getuid?.() === 0
      ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
      : spawnSync(command, args, { encoding: 'utf8' });
  };
  if (!existsSync(join(cluster, 'PG_VERSION'))) {
    mkdirSync(cluster, { recursive: true });
    if (process.getuid?.() === 0) spawnSync('chown', ['-R', 'postgres:postgres', cluster]);
    const init = asPostgres('initdb', ['-D', cluster, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  }
  const start = asPostgres('pg_ctl', [
    '-D',
    cluster,
    '-l',
    join(cluster, 'server.log'),
    '-w',
    '-o',
    `-p ${port} -k ${cluster} -c listen_addresses=127.0.0.1`,
    'start',
  ]);
  if (start.status !== 0) throw new Error(`PostgreSQL did not start: ${start.stderr || start.stdout}`);
  const embedded = new URL(`postgres://postgres@127.0.0.1:${port}${target.pathname}`);
  await createDatabaseIfMissing(embedded);
  return {
    url: embedded.toString(),
    started: {
      description: `PostgreSQL (cluster ${cluster}, port ${port})`,
      stop: async () => void asPostgres('pg_ctl', ['-D', cluster, '-m', 'fast', 'stop']),
    },
  };
}

function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
}

function databaseName(url: URL): string {
  return decodeURIComponent(url.pathname.slice(1)) || 'aether';
}

function quoted(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

async function withServer<T>(url: URL, use: (client: Client) => Promise<T>): Promise<T> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function createDatabaseIfMissing(url: URL): Promise<void> {
  const database = databaseName(url);
  await withServer(url, async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${quoted(database)}`);
  });
}

const OWNER_MARK = 'aether data directory ';

/**
 * The database at `url` holds projections of one data directory's event store: two checkouts on
 * one machine (each its own `.data` and nats-server) must not share it, nor a `.data` made again
 * use the projections of the one deleted. Each data directory gets an id (`<dataDir>/instance`);
 * the database it uses carries that id as its comment. A database without one (made before this,
 * or new) is claimed; one carrying another id is left alone and `<name>_<id>` is used instead,
 * named in `elsewhere`.
 */
export async function claimDatabase(url: URL, dataDir: string): Promise<{ url: string; elsewhere?: string }> {
  const id = dataDirectoryId(dataDir);
  const wanted = databaseName(url);
  return withServer(url, async (client) => {
    const owner = async (database: string): Promise<string | null | undefined> => {
      const row = await client.query<{ comment: string | null }>(
        `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
        [database],
      );
      if (row.rowCount === 0) return undefined;
      const comment = row.rows[0]?.comment ?? '';
      return comment.startsWith(OWNER_MARK) ? comment.slice(OWNER_MARK.length) : null;
    };
    const claim = async (database: string) => {
      if ((await owner(database)) === undefined) await client.query(`CREATE DATABASE ${quoted(database)}`);
      await client.query(`COMMENT ON DATABASE ${quoted(database)} IS '${OWNER_MARK}${id}'`);
    };
    const current = await owner(wanted);
    if (current === undefined || current === null || current === id) {
      if (current !== id) await claim(wanted);
      return { url: url.toString() };
    }
    const own = `${wanted}_${id}`;
    if ((await owner(own)) !== id) await claim(own);
    const elsewhere = new URL(url);
    elsewhere.pathname = `/${own}`;
    return { url: elsewhere.toString(), elsewhere: `${wanted} belongs to another data directory` };
  });
}

function dataDirectoryId(dataDir: string): string {
  const file = join(dataDir, 'instance');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(6).toString('hex')}\n`, { flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}

export function requireChromium(path: string): void {
  if (!existsSync(path)) throw new MissingProgramError(`Chromium (${path})`, 'chromium');
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
