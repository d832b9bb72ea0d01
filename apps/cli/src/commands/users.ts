import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { subjects } from '@aether/contracts';
import { connectNats } from '@aether/event-store';
import { AETHER_SERVICES, PERSON_ROLES, UserDirectory, type Role } from '@aether/identity';
import { credentialsOf, natsTargetOptions, type NatsTarget } from './connection';

interface AddOptions extends NatsTarget {
  role: string;
  tenant: string;
}

/**
 * `aether users add`: a person of the embedded issuer, written straight to the `aether-users`
 * bucket. It is how a platform `npm start` did not make gets its first admin: there is no API for
 * it, and the API needs an admin to sign in.
 */
export function registerUsers(program: Command): void {
  const users = program.command('users').description("the embedded issuer's people");
  natsTargetOptions(users.command('add <username>'))
    .description('create a person with a random password, printed once (the first admin of a platform)')
    .option('--role <role>', PERSON_ROLES.join(', '), 'admin')
    .option('--tenant <tenant>', 'their tenant', 'default')
    .action(async (username: string, options: AddOptions) => {
      if (!(PERSON_ROLES as readonly string[]).includes(options.role))
        throw new Error(`--role must be one of ${PERSON_ROLES.join(', ')}, got "${options.role}"`);
      const creds = credentialsOf(options);
      const service = creds ? serviceOf(creds) : undefined;
      const nc = await connectNats({
        servers: options.nats,
        name: 'aether-cli',
        // servers that take a shared token instead (the dev overlay's pods have it in NATS_TOKEN)
        ...(creds ? { creds } : process.env['NATS_TOKEN'] ? { token: process.env['NATS_TOKEN'] } : {}),
        // a service's own user may take replies only on its own inbox (ADR 85)
        ...(service ? { inboxPrefix: subjects.serviceInbox(service) } : {}),
      });
      try {
        const password = randomBytes(12).toString('base64url');
        const created = await (
          await UserDirectory.open(nc)
        ).createIfAbsent({ username, tenantId: options.tenant, role: options.role as Role, password });
        if (!created) throw new Error(`user ${username} exists already: nothing changed`);
        process.stdout.write(
          `created ${username} (${options.role}, tenant ${options.tenant}); password, shown once: ${password}\n`,
        );
      } finally {
        await nc.close();
      }
    });
}

/** The service a `.creds` file's user is, when it is one (its JWT's name), else undefined. */
function serviceOf(creds: string): string | undefined {
  const jwt = /-----BEGIN NATS USER JWT-----\s*(\S+)\s*-+END NATS USER JWT/.exec(creds)?.[1];
  const payload = jwt?.split('.')[1];
  if (!payload) return undefined;
  const name = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { name?: string }).name;
  return (AETHER_SERVICES as readonly string[]).find((service) => service === name);
}
