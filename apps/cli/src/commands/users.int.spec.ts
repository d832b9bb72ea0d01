import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { connectNats } from '@aether/event-store';
import {
  UserDirectory,
  createNatsAuthority,
  issueNatsUser,
  natsServerAuthConfig,
  serviceNatsPermissions,
} from '@aether/identity';
import { startNatsServer, type TestNatsServer } from '@aether/testing';
import { registerUsers } from './users';

// A cluster's first admin: the operator runs the CLI in a gateway pod, with the gateway's own
// credentials (docs/operations.md), against servers that require credentials.
describe('aether users add, with the gateway’s NATS rights (ADR 85)', () => {
  const authority = createNatsAuthority();
  let server: TestNatsServer;
  let dir: string;
  let credsFile: string;
  let tools: string;
  let printed: string;
  let write: jest.SpyInstance;

  beforeAll(async () => {
    server = await startNatsServer({
      config: await natsServerAuthConfig(authority, '{{storeDir}}/resolver'),
    });
    const gateway = await issueNatsUser(authority, {
      name: 'gateway',
      permissions: serviceNatsPermissions('gateway'),
    });
    tools =
      (await issueNatsUser(authority, { name: 'tools', permissions: serviceNatsPermissions('tools') }))
        .creds ?? '';
    dir = mkdtempSync(join(tmpdir(), 'aether-cli-users-'));
    credsFile = join(dir, 'gateway.creds');
    writeFileSync(credsFile, gateway.creds ?? '', { mode: 0o600 });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    printed = '';
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed += String(chunk);
      return true;
    });
  });
  afterEach(() => write.mockRestore());

  const cli = (...args: string[]) => {
    const program = new Command('aether').exitOverride();
    registerUsers(program);
    return program.parseAsync([
      'node',
      'aether',
      'users',
      'add',
      ...args,
      '--nats',
      server.url,
      '--creds',
      credsFile,
    ]);
  };
  const signIn = async (username: string, password: string) => {
    const nc = await connectNats({ servers: server.url, name: 'check', creds: tools });
    try {
      return await (await UserDirectory.open(nc)).authenticate(username, password);
    } finally {
      await nc.close();
    }
  };

  it('creates the first admin with a password printed once, with which they sign in', async () => {
    await cli('admin');
    const password = /password, shown once: (\S+)\n$/.exec(printed)?.[1];
    expect(printed).toMatch(/^created admin \(admin, tenant default\); /);
    expect(await signIn('admin', password!)).toMatchObject({
      name: 'admin',
      tenantId: 'default',
      role: 'admin',
    });
  });

  it('changes nothing for a user who exists, and refuses a role no person has', async () => {
    await expect(cli('admin')).rejects.toThrow('user admin exists already: nothing changed');
    await expect(cli('ops', '--role', 'robot')).rejects.toThrow(
      '--role must be one of admin, operator, developer, viewer, got "robot"',
    );
    await cli('ops', '--role', 'operator', '--tenant', 'acme');
    expect(printed).toMatch(/^created ops \(operator, tenant acme\); /m);
  });
});
