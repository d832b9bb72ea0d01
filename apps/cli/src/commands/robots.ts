import type { Command } from 'commander';
import { exchangeEnrolmentToken } from '@aether/identity';
import { apiUrl, callGateway as api } from './credentials';

interface RobotRow {
  robotId: string;
  pool: string;
  status: string;
  currentJobs: { jobId: string }[];
  lastHeartbeatAt?: string;
}

/** One line a robot: id, status, pool, the jobs it runs. */
export function robotTable(robots: readonly RobotRow[]): string {
  if (robots.length === 0) return 'no robots\n';
  const header = ['ROBOT', 'STATUS', 'POOL', 'JOBS'];
  const rows = [
    header,
    ...robots.map((robot) => [
      robot.robotId,
      robot.status,
      robot.pool,
      robot.currentJobs.map((job) => job.jobId).join(',') || '-',
    ]),
  ];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${rows.map(line).join('\n')}\n`;
}

/**
 * `aether robots list|drain|stop`: the fleet and an operator's drain or stop of one robot, asked
 * of its process through the gateway; `enroll|exchange|revoke`: robots' own NATS credentials
 * (ADR 38). The tenant is the signed-in user's.
 */
export function registerRobots(program: Command): void {
  const robots = program
    .command('robots')
    .description('the fleet: list, drain or stop a robot; its NATS credentials: enrol, revoke');
  robots
    .command('list')
    .description('robots of your tenant, their status and the jobs they run')
    .option('--status <status>', 'online, draining or offline')
    .option('--json', 'the gateway’s answer as JSON')
    .action(async (options: { status?: string; json?: boolean }) => {
      const query = options.status ? `?status=${encodeURIComponent(options.status)}` : '';
      const listed = (await api(`/api/v1/robots${query}`)) as RobotRow[];
      process.stdout.write(options.json ? `${JSON.stringify(listed, null, 2)}\n` : robotTable(listed));
    });
  for (const [verb, description] of [
    ['drain', 'take no new work, finish the jobs it runs, then exit'],
    ['stop', 'release its jobs after their current step (another robot resumes them), then exit'],
  ] as const)
    robots
      .command(`${verb} <robotId>`)
      .description(`${description} (operator)`)
      .action(async (robotId: string) => {
        const reply = (await api(`/api/v1/robots/${encodeURIComponent(robotId)}/${verb}`, {
          method: 'POST',
          body: '{}',
        })) as { sessionId: string; activeJobs: string[] };
        const jobs = reply.activeJobs.length ? reply.activeJobs.join(', ') : 'no jobs';
        process.stdout.write(
          `${robotId} (session ${reply.sessionId}) ${verb === 'drain' ? 'draining' : 'stopping'}, holding ${jobs}\n`,
        );
      });
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
