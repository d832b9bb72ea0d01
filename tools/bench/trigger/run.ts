import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { STREAMS, subjects } from '@aether/contracts';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, issueAccessToken, loadOrCreateSigningKey } from '@aether/identity';
import { DEMO_WORKFLOW_FILE, demoVariables, startServiceProcess } from '@aether/platform';
import { createTestDatabase, startNatsServer } from '@aether/testing';
import { round } from '../dispatch/measure';
import { benchFailed } from '../failure';
import { knob, load, say } from '../reads/measure';
import { percentile } from '../stats';

/**
 * `npm run bench:trigger`: what `POST /workflows/{id}/trigger` costs as a workflow's history grows
 * (ADR 131 reads the version to run in the workflow's events, ADR 136 bounds that read). A real
 * gateway process on its own nats-server and database; no scheduler, so every JetStream read
 * counted is the gateway's. Workflows of BENCH_VERSIONS published versions (default 1,200; each
 * the demo workflow, ~3 KB) are triggered in turn, one request at a time, BENCH_ROUNDS (4) rounds
 * of BENCH_REQUESTS (100) per workflow after BENCH_WARMUP (20), with and without `workflowVersion`
 * (the latest, the first, or the one a third of the way: not where a bisection looks first). BENCH_BETWEEN (5) other aggregates' messages are
 * appended to EVENTS after each version, as jobs' events fall between a live workflow's versions.
 *
 * JetStream operations are counted, not guessed: a connection of the bench's own subscribes to the
 * JetStream API (`$JS.API.>`) and to every reply inbox, and counts per request the direct gets and
 * consumers asked of EVENTS and the EVENTS messages handed out (a direct get's answer, a consumer's
 * delivery) with their bytes.
 */
async function main() {
  const sizes = (process.env['BENCH_VERSIONS'] ?? '1,200').split(',').map(Number);
  const options = {
    rounds: knob('BENCH_ROUNDS', 4),
    requests: knob('BENCH_REQUESTS', 100),
    warmup: knob('BENCH_WARMUP', 20),
    between: knob('BENCH_BETWEEN', 5),
  };
  say(`load before: ${load().join(' ')}`);
  const startedAt = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'aether-bench-trigger-'));
  const [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('aether_bench_trigger')]);
  const signingKeyFile = join(dir, 'auth', 'signing-key.json');
  const key = await loadOrCreateSigningKey(signingKeyFile);
  const token = await issueAccessToken(
    { issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE, key },
    { subject: 'bench:admin', name: 'admin', tenantId: 'default', role: 'admin' },
    3_600,
  );
  const gateway = await startServiceProcess('gateway', {
    natsUrl: nats.url,
    databaseUrl: db.url,
    logDir: dir,
    env: {
      LOG_LEVEL: 'warn',
      AUTH_SIGNING_KEY_FILE: signingKeyFile,
      VAULT_MASTER_KEY_FILE: join(dir, 'vault', 'master-keys.json'),
    },
  });
  const monitor = await connect({ servers: nats.url, name: 'bench-trigger-monitor' });
  try {
    const counts = countEventReads(monitor);
    const js = jetstream(monitor);
    const call = async (path: string, body: unknown) => {
      const response = await fetch(`${gateway.url}/api/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text}`);
    };
    const demo = JSON.parse(readFileSync(DEMO_WORKFLOW_FILE, 'utf8')) as Record<string, unknown>;
    const variables = demoVariables('http://127.0.0.1:8090');
    const contenders: Contender[] = [];
    for (const versions of sizes) {
      const id = `bench-trigger-${versions}`;
      for (let version = 1; version <= versions; version++) {
        await call('/workflows', { ...demo, id, description: `edit ${version} of ${versions}` });
        for (let other = 0; other < options.between; other++)
          await js.publish(subjects.event('default', 'job', `${id}-${version}-${other}`), '{}');
      }
      for (const [mode, pinned] of [
        ['latest', undefined],
        ['first', 1],
        ['third', Math.ceil(versions / 3)],
      ] as const)
        contenders.push({
          name: `versions_${versions}_${mode}`,
          trigger: () =>
            call(`/workflows/${id}/trigger`, {
              variables,
              ...(pinned === undefined ? {} : { workflowVersion: pinned }),
            }),
        });
    }
    await monitor.flush();
    const line: Record<string, unknown> = { bench: 'trigger', ...options };
    for (const { trigger } of contenders) for (let i = 0; i < options.warmup; i++) await trigger();
    const samples = new Map(contenders.map(({ name }) => [name, [] as number[]]));
    const reads = new Map(contenders.map(({ name }) => [name, emptyCounts()]));
    for (let r = 0; r < options.rounds; r++) {
      for (let k = 0; k < contenders.length; k++) {
        const { name, trigger } = contenders[(k + r) % contenders.length];
        await monitor.flush();
        const before = { ...counts };
        for (let i = 0; i < options.requests; i++) {
          const at = performance.now();
          await trigger();
          samples.get(name)?.push(performance.now() - at);
        }
        // Every operation of the last request has reached the monitor once its own ping is answered.
        await monitor.flush();
        add(reads.get(name), counts, before);
      }
    }
    const requests = options.rounds * options.requests;
    for (const { name } of contenders) {
      const ms = samples.get(name) ?? [];
      const total = reads.get(name) ?? emptyCounts();
      const figures = {
        p50_ms: round(percentile(ms, 0.5), 2),
        p95_ms: round(percentile(ms, 0.95), 2),
        direct_gets: round(total.directGets / requests, 2),
        consumers: round(total.consumers / requests, 2),
        messages: round(total.messages / requests, 2),
        kb: round(total.bytes / requests / 1024, 1),
      };
      say(`${name}: ${JSON.stringify(figures)}`);
      line[name] = figures;
    }
    line['seconds'] = Math.round((Date.now() - startedAt) / 1000);
    line['load'] = load();
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    await monitor.close();
    await gateway.stop();
    await Promise.all([nats.stop(), db.drop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Contender {
  readonly name: string;
  readonly trigger: () => Promise<void>;
}

interface EventReads {
  /** Direct get requests on EVENTS (`$JS.API.DIRECT.GET.EVENTS[.<subject>]`). */
  directGets: number;
  /** Consumers created on EVENTS (a history longer than ADR 15's 16 direct gets). */
  consumers: number;
  /** EVENTS messages handed out: direct get answers and consumer deliveries. */
  messages: number;
  bytes: number;
}

const emptyCounts = (): EventReads => ({ directGets: 0, consumers: 0, messages: 0, bytes: 0 });

function add(into: EventReads | undefined, now: EventReads, before: EventReads): void {
  if (!into) return;
  into.directGets += now.directGets - before.directGets;
  into.consumers += now.consumers - before.consumers;
  into.messages += now.messages - before.messages;
  into.bytes += now.bytes - before.bytes;
}

/** Counts, as they pass on the server, the reads of EVENTS anyone makes: core NATS hands the bench a copy. */
function countEventReads(nc: NatsConnection): EventReads {
  const counts = emptyCounts();
  const stream = STREAMS.events;
  nc.subscribe('$JS.API.>', {
    callback: (_error, message: Msg) => {
      const { subject } = message;
      if (subject === `$JS.API.DIRECT.GET.${stream}` || subject.startsWith(`$JS.API.DIRECT.GET.${stream}.`))
        counts.directGets++;
      else if (
        subject.startsWith(`$JS.API.CONSUMER.CREATE.${stream}`) ||
        subject === `$JS.API.CONSUMER.DURABLE.CREATE.${stream}`
      )
        counts.consumers++;
    },
  });
  nc.subscribe('_INBOX.>', {
    callback: (_error, message: Msg) => {
      const delivered = message.reply?.startsWith(`$JS.ACK.${stream}.`) ?? false;
      const fetched = (message.headers ?? natsHeaders()).get('Nats-Stream') === stream;
      if (!delivered && !fetched) return;
      counts.messages++;
      counts.bytes += message.data.length;
    },
  });
  return counts;
}

main().catch(benchFailed);
