import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats, ensureStreams } from '@aether/event-store';
import {
  createNatsAuthority,
  issueNatsUser,
  natsServerAuthConfig,
  serviceNatsPermissions,
} from '@aether/identity';
import { startNatsServer, type TestNatsServer } from '@aether/testing';
import { registerQuarantine } from './quarantine';
import { registerReplay } from './replay';
import { registerTail } from './tail';

describe('aether commands against a nats-server without Aether’s streams', () => {
  let empty: TestNatsServer;

  beforeAll(async () => {
    empty = await startNatsServer();
  });
  afterAll(async () => {
    await empty?.stop();
  });

  const cli = (...args: string[]) => {
    const program = new Command('aether').exitOverride();
    registerReplay(program);
    registerTail(program);
    return program.parseAsync(['node', 'aether', ...args, '--nats', empty.url]);
  };

  it.each([
    ['replay', ['replay', 'job-1']],
    ['tail', ['tail']],
  ])('%s says the EVENTS stream is missing, not "timeout" or "stream not found"', async (_name, args) => {
    await expect(cli(...args)).rejects.toThrow(
      `${empty.url} has no EVENTS stream: Aether's services create it when they first start`,
    );
  });
});

describe('aether commands against servers that require credentials (ADR 85)', () => {
  const authority = createNatsAuthority();
  let server: TestNatsServer;
  let credsFile: string;

  beforeAll(async () => {
    server = await startNatsServer({
      config: await natsServerAuthConfig(authority, '{{storeDir}}/resolver'),
    });
    const user = await issueNatsUser(authority, {
      name: 'tools',
      permissions: serviceNatsPermissions('tools'),
    });
    credsFile = join(mkdtempSync(join(tmpdir(), 'aether-cli-creds-')), 'tools.creds');
    writeFileSync(credsFile, user.creds ?? '', { mode: 0o600 });
    const nc = await connectNats({ servers: server.url, name: 'setup', creds: user.creds });
    await ensureStreams(await jetstreamManager(nc));
    await nc.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const quarantine = async (...args: string[]) => {
    const program = new Command('aether').exitOverride();
    registerQuarantine(program);
    const written: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await program.parseAsync(['node', 'aether', 'quarantine', '--nats', server.url, ...args]);
    } finally {
      write.mockRestore();
    }
    return written.join('');
  };

  it('connects with the --creds file and reads the streams', async () => {
    await expect(quarantine('--creds', credsFile)).resolves.toMatch(/^no messages in quarantine/);
  });

  it('refuses at once without credentials, saying why', async () => {
    await expect(quarantine()).rejects.toThrow(/authorization/i);
  });

  it('names a credentials file it cannot read', async () => {
    await expect(quarantine('--creds', join(tmpdir(), 'no-such.creds'))).rejects.toThrow(
      /cannot read the NATS credentials .*no-such\.creds/,
    );
  });
});
