import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { apiUrl, callGateway, credentialsFile, forgetCredentials, saveCredentials } from './credentials';

interface LoginOptions {
  url?: string;
  user: string;
  passwordStdin?: boolean;
}

/** `aether login` stores a token for the CLI; `aether logout` forgets it; `aether whoami` shows it. */
export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('sign in to a gateway and keep the token for the other commands')
    .option('--url <url>', 'the gateway (default AETHER_API_URL or http://127.0.0.1:8080)')
    .option('--user <name>', 'user name', 'admin')
    .option('--password-stdin', 'read the password from standard input (else AETHER_PASSWORD or a prompt)')
    .action(async (options: LoginOptions) => {
      const url = (options.url ?? apiUrl()).replace(/\/+$/, '');
      const password = await readPassword(options);
      const response = await fetch(`${url}/api/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: options.user, password }),
      });
      const body = (await response.json().catch(() => ({}))) as {
        access_token?: string;
        expires_in?: number;
        tenantId?: string;
        role?: string;
        message?: string;
      };
      if (!response.ok || !body.access_token)
        throw new Error(`sign-in refused (${response.status}): ${body.message ?? 'no token'}`);
      const file = saveCredentials({
        apiUrl: url,
        username: options.user,
        accessToken: body.access_token,
        expiresAt: new Date(Date.now() + (body.expires_in ?? 0) * 1000).toISOString(),
      });
      process.stdout.write(
        `signed in to ${url} as ${options.user} (${body.role} of tenant ${body.tenantId}); token in ${file}\n`,
      );
    });

  program
    .command('whoami')
    .description('who the gateway takes you for: name, tenant, role')
    .action(async () => {
      process.stdout.write(`${JSON.stringify(await callGateway('/api/v1/auth/me'), null, 2)}\n`);
    });

  program
    .command('logout')
    .description('forget the stored token')
    .action(() => {
      forgetCredentials();
      process.stdout.write(`removed ${credentialsFile()}\n`);
    });
}

async function readPassword(options: LoginOptions): Promise<string> {
  if (options.passwordStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  const fromEnv = process.env['AETHER_PASSWORD'];
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new Error('no password: use --password-stdin or AETHER_PASSWORD');
  process.stdout.write(`password for ${options.user}: `);
  // Echo nothing while the password is typed.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const prompt = createInterface({ input: process.stdin, output: silent, terminal: true });
  const password = await new Promise<string>((resolve) => prompt.question('', resolve));
  prompt.close();
  process.stdout.write('\n');
  return password;
}
