import type { Command } from 'commander';
import { callGateway as api } from './credentials';

/** `aether secrets rotate`: the tenant's data key replaced and every secret resealed (ADR 70). */
export function registerSecrets(program: Command): void {
  const secrets = program.command('secrets').description("the tenant's secrets vault");

  secrets
    .command('rotate')
    .description("rotate the tenant's data key (admin): secrets resealed, readable throughout")
    .action(async () => {
      const report = await api('/api/v1/secrets/rotate-key', { method: 'POST' });
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    });
}
