import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemoSite } from '@aether/demo-site';
import { connectNats } from '@aether/event-store';
import { UserDirectory } from '@aether/identity';
import { DEMO_PASSWORD, QUEUE_DEMO, runDemoJob, runQueueDemo } from './demo';
import {
  ensurePostgres,
  rememberNatsUrl,
  requireChromium,
  requireNats,
  startAuthenticatedNats,
  type Started,
} from './infrastructure';
import { REPO_ROOT, startStack, type RunningStack } from './stack';
import { ensureConsoleBuild } from './console-build';

/**
 * `npm start`: the whole platform on one machine with a demo job.
 * Environment: NATS_URL (with NATS_AUTHORITY_FILE when its servers require credentials; unset:
 * its own nats-server with generated accounts), DATABASE_URL, PORT (gateway, default 8080), DEMO_PORT (8090),
 * CHROMIUM_PATH, AETHER_DATA_DIR (.data), AETHER_DEMO_ONCE=1 to exit after the demo.
 */
async function main() {
  const dataDir = process.env['AETHER_DATA_DIR'] ?? join(REPO_ROOT, '.data');
  const once = process.env['AETHER_DEMO_ONCE'] === '1' || process.argv.includes('--once');
  const started: Started[] = [];
  let stack: RunningStack | undefined;
  let site: Awaited<ReturnType<typeof startDemoSite>> | undefined;

  const shutdown = async () => {
    say('stopping…');
    await stack?.stop();
    await site?.close();
    for (const dependency of started.reverse()) await dependency.stop();
    say('stopped');
  };

  try {
    requireChromium(process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium');
    const nats = await natsFor(dataDir);
    if (nats.started) started.push(nats.started);
    say(
      `NATS       ${nats.url}${nats.started ? ` (started ${nats.started.description})` : ''}` +
        (nats.authorityFile ? '' : '   UNAUTHENTICATED: no NATS_AUTHORITY_FILE given with NATS_URL'),
    );
    const pg = await ensurePostgres(
      process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/aether',
      dataDir,
      { claim: process.env['DATABASE_URL'] === undefined },
    );
    if (pg.started) started.push(pg.started);
    say(
      `PostgreSQL ${redactUrl(pg.url)}${pg.started ? ` (started ${pg.started.description})` : ''}` +
        (pg.elsewhere ? `   (${pg.elsewhere})` : ''),
    );

    ensureConsoleBuild(say);

    site = await startDemoSite({ port: Number(process.env['DEMO_PORT'] ?? 8090) });
    say(`Demo site  ${site.url}`);

    stack = await startStack({
      natsUrl: nats.url,
      databaseUrl: pg.url,
      logDir: join(dataDir, 'logs'),
      gatewayPort: Number(process.env['PORT'] ?? 8080),
      robots: 1,
      env: { LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info' },
      robotEnv: { FILES_ROOT: join(dataDir, 'robot-files') },
      secrets: { demoPassword: DEMO_PASSWORD },
      signingKeyFile: join(dataDir, 'auth', 'signing-key.json'),
      ...(nats.authorityFile ? { natsAuthorityFile: nats.authorityFile } : {}),
    });
    say(`Console    ${stack.gatewayUrl}/`);
    say(`API        ${stack.gatewayUrl}/api/v1   (logs in ${join(dataDir, 'logs')})`);
    const firstPassword = await bootstrapAdmin(nats.url, stack.natsCredsFile);
    if (firstPassword)
      say(`Sign in    user admin, password ${firstPassword}   (shown only this once: keep it)`);
    else say('Sign in    user admin, with the password shown when this data folder was first started');
    say(`           npx aether login --url ${stack.gatewayUrl} --user admin`);

    say('running the demo workflow (log in, enter an order, read the confirmation)…');
    const job = await runDemoJob(stack.gatewayUrl, site.url);
    say(`Job        ${job.jobId}`);
    say(`Outcome    ${job.status} on ${job.robotId ?? 'no robot'}`);
    for (const step of job.steps)
      say(`  ${step.status.padEnd(9)} ${step.stepKey.padEnd(24)} ${step.durationMs ?? '-'} ms`);
    if (job.status === 'completed')
      say(`Confirmation number: ${String(job.outputs?.['confirmationNumber'])}`);
    else say(`Error      ${JSON.stringify(job.error)}`);
    say(`See it:    npx aether status ${job.jobId}   (after npx aether login)`);

    say(`working the ${QUEUE_DEMO} queue (three orders, one refused as a business exception)…`);
    const queued = await runQueueDemo(stack.gatewayUrl, site.url);
    say(`Job        ${queued.job.jobId}: ${queued.job.status}`);
    for (const item of queued.items)
      say(
        `  ${item.status.padEnd(10)} ${item.reference.padEnd(28)} ${
          item.output ? String(item.output['confirmationNumber']) : (item.error?.message ?? '')
        }`,
      );
    say(`See it:    ${stack.gatewayUrl}/queues`);

    if (once) {
      await shutdown();
      process.exit(job.status === 'completed' && queued.job.status === 'completed' ? 0 : 1);
    }
    say('platform running — Ctrl-C to stop');
    let stopping = false;
    const onSignal = () => {
      if (stopping) return;
      stopping = true;
      void shutdown().then(() => process.exit(0));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  } catch (error) {
    process.stderr.write(`\naether: ${(error as Error).message}\n`);
    await shutdown().catch(() => undefined);
    process.exit(1);
  }
}

/** Creates the first admin on a fresh platform; returns its password only when it did. */
async function bootstrapAdmin(natsUrl: string, credsFile?: string): Promise<string | undefined> {
  const nc = await connectNats({
    servers: natsUrl,
    name: 'aether-start',
    ...(credsFile ? { creds: readFileSync(credsFile, 'utf8') } : {}),
  });
  try {
    const password = randomBytes(12).toString('base64url');
    const users = await UserDirectory.open(nc);
    const created = await users.createIfAbsent({
      username: 'admin',
      tenantId: 'default',
      role: 'admin',
      password,
    });
    return created ? password : undefined;
  } finally {
    await nc.close();
  }
}

/**
 * Without NATS_URL, a nats-server of its own that requires credentials (ADR 38). With it, the
 * operator's servers, authenticated when NATS_AUTHORITY_FILE holds their operator and account seeds.
 */
async function natsFor(dataDir: string): Promise<{ url: string; authorityFile?: string; started?: Started }> {
  const url = process.env['NATS_URL'];
  if (!url) return startAuthenticatedNats(dataDir);
  await requireNats(url);
  rememberNatsUrl(dataDir, url);
  const authorityFile = process.env['NATS_AUTHORITY_FILE'];
  return { url, ...(authorityFile ? { authorityFile } : {}) };
}

function say(line: string) {
  process.stdout.write(`${line}\n`);
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

void main();
