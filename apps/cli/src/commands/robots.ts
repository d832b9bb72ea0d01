import type { Command } from 'commander';
import { exchangeEnrolmentToken } from '@aether/identity';
import { apiUrl, callGateway as api } from './credentials';

/**
 * `aether robots enroll|exchange|revoke`: robots' own NATS credentials (ADR 38). The tenant is
 * the signed-in admin's.
 */
export function registerRobots(program: Command): void {
  const robots = program.command('robots').description('robots’ NATS credentials: enrol, revoke');
  robots
    .command('enroll <robotId>')
    .description('issue a one-time enrolment token for a robot of your tenant (admin); shown once')
    .option('--pool <pool>', 'the pool whose work it pulls besides its own')
    .option('--ttl <seconds>', 'how long the token may be exchanged', '86400')
    .action(async (robotId: string, options: { pool?: string; ttl: string }) => {
      const issued = (await api(`/api/v1/robots/${encodeURIComponent(robotId)}/enrolment`, {
        method: 'POST',
        body: JSON.stringify({
          ...(options.pool ? { pool: options.pool } : {}),
          ttlSeconds: Number(options.ttl),
        }),
      })) as { token: string; expiresAt: string };
      process.stdout.write(
        `Enrolment token for ${robotId} (shown once, valid until ${issued.expiresAt}):\n${issued.token}\n` +
          `On the robot's machine: npx aether robots exchange --token <token> --out /etc/aether/robot.creds\n` +
          `or start it with ROBOT_ENROLMENT_TOKEN=<token> NATS_CREDS_FILE=/etc/aether/robot.creds AETHER_GATEWAY_URL=<gateway>\n`,
      );
    });
  robots
    .command('exchange')
    .description(
      'on the robot’s machine: make its key pair and exchange the token for its .creds file (0600)',
    )
    .requiredOption('--token <token>', 'the enrolment token')
    .requiredOption('--out <file>', 'where to write the .creds file')
    .action(async (options: { token: string; out: string }) => {
      const enrolled = await exchangeEnrolmentToken({
        gatewayUrl: apiUrl(),
        token: options.token,
        credsFile: options.out,
      });
      process.stdout.write(
        `${enrolled.robotId} of ${enrolled.tenantId} enrolled: credentials in ${options.out} (0600), ` +
          `inbox prefix ${enrolled.inboxPrefix}\n`,
      );
    });
  robots
    .command('revoke <robotId>')
    .description('revoke a robot’s NATS credentials (admin): its connections close at once')
    .action(async (robotId: string) => {
      await api(`/api/v1/robots/${encodeURIComponent(robotId)}/revoke`, { method: 'POST', body: '{}' });
      process.stdout.write(`${robotId} revoked\n`);
    });
}
