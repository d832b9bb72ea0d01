import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, freePort } from '@aether/testing';
import { startTestPlatform, waitForJob, type TestPlatform } from '@aether/platform';
import { TestSubscriber, acceptedByJob } from '@aether/outbound/testing';

const STEPS = 3;
const WORKFLOW = {
  id: 'outbound-steps',
  nodes: Array.from({ length: STEPS }, (_, i) => ({
    id: `s${i + 1}`,
    type: 'data.set',
    params: { values: { [`s${i + 1}`]: i + 1 } },
    ...(i + 1 < STEPS ? { next: `s${i + 2}` } : {}),
  })),
};

/**
 * Outbound subscriptions on the whole platform (ADR 57): a subscriber that is down, then flaps,
 * then answers slowly, with every Aether process killed and started again in the middle, receives
 * every job event in job order with a valid signature; a redelivery from a sequence sends again.
 */
describe('outbound subscriptions', () => {
  let platform: TestPlatform;
  let subscriber: TestSubscriber;

  beforeAll(async () => {
    platform = await startTestPlatform({
      name: 'outbound',
      demoSite: false,
      env: {
        OUTBOUND_TIMEOUT_MS: '1000',
        OUTBOUND_BACKOFF_BASE_MS: '100',
        OUTBOUND_BACKOFF_CAP_MS: '1000',
        OUTBOUND_MAX_ATTEMPTS: '100000',
      },
    });
    subscriber = new TestSubscriber(await freePort());
    expect((await platform.api('POST', '/api/v1/workflows', WORKFLOW)).status).toBe(201);
  });

  afterAll(async () => {
    await subscriber?.down();
    await platform?.stop();
  });

  const trigger = async () => {
    const { status, body } = await platform.api<{ jobId: string }>(
      'POST',
      `/api/v1/workflows/${WORKFLOW.id}/trigger`,
      {},
    );
    expect(status).toBe(202);
    return body.jobId;
  };
  /** Each job's stored messages (a multi-event commit is one message, one sequence), in order. */
  const storedSequences = async (jobIds: readonly string[]) =>
    new Map(
      await Promise.all(
        jobIds.map(async (jobId) => {
          const sequences = (await platform.events(jobId)).map((event) => event.sequence);
          return [jobId, sequences.filter((seq, i) => seq !== sequences[i - 1])] as const;
        }),
      ),
    );

  it('delivers every job event in job order, signed, through an outage, flapping, slowness and a restart of every process', async () => {
    const created = await platform.api<{ subscriptionId: string; secret: string }>(
      'POST',
      '/api/v1/subscriptions',
      {
        url: subscriber.url,
      },
    );
    expect(created.status).toBe(201);
    const { subscriptionId, secret } = created.body;
    expect(secret).toMatch(/^whsec_/);
    subscriber.secret = secret;
    const listed = await platform.api<unknown[]>('GET', '/api/v1/subscriptions');
    expect(JSON.stringify(listed.body)).toContain(subscriptionId);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    // Down: jobs run while nothing listens.
    const first = await Promise.all(Array.from({ length: 4 }, trigger));
    for (const jobId of first)
      expect((await waitForJob(platform.stack.gatewayUrl, jobId, 60_000)).status).toBe('completed');
    expect(subscriber.attempts).toBe(0);

    // Flapping; in the middle every Aether process is killed and started again.
    await subscriber.up();
    subscriber.mode = 'flap';
    await eventually(async () => (subscriber.accepted.length >= 3 ? true : undefined), {
      what: 'some deliveries',
    });
    const acceptedBeforeRestart = new Set(subscriber.accepted.map((d) => d.sequence)).size;
    const storedBeforeRestart = [...(await storedSequences(first)).values()].flat().length;
    await platform.stack.restart({ kill: true });
    const second = await Promise.all(Array.from({ length: 3 }, trigger));
    for (const jobId of second)
      expect((await waitForJob(platform.stack.gatewayUrl, jobId, 60_000)).status).toBe('completed');

    // Slow: every answer takes 150–400 ms.
    subscriber.mode = 'slow';
    const expected = await storedSequences([...first, ...second]);
    const total = [...expected.values()].reduce((n, seqs) => n + seqs.length, 0);
    // Not vacuous: the kill came with the first jobs' deliveries still pending.
    expect(acceptedBeforeRestart).toBeLessThan(storedBeforeRestart);
    await eventually(
      async () => (new Set(subscriber.accepted.map((d) => d.sequence)).size >= total ? true : undefined),
      { what: `all ${total} messages of ${expected.size} jobs accepted`, timeoutMs: 90_000 },
    );
    expect(acceptedByJob(subscriber.accepted)).toEqual(expected);
    process.stdout.write(
      `outbound e2e: ${total} messages of ${expected.size} jobs, ${subscriber.attempts} attempts, ${acceptedBeforeRestart}/${storedBeforeRestart} accepted before the kill\n`,
    );
    expect(subscriber.badSignatures).toBe(0);
    expect(subscriber.attempts).toBeGreaterThan(subscriber.accepted.length);
    const parked = await platform.api<{ parked: unknown[] }>(
      'GET',
      `/api/v1/subscriptions/${subscriptionId}/parked`,
    );
    expect(parked.body.parked).toEqual([]);

    // Redelivery from a sequence, through the API.
    subscriber.mode = 'ok';
    const from = expected.get(second[0])![0];
    const before = subscriber.accepted.length;
    const redelivered = await platform.api('POST', `/api/v1/subscriptions/${subscriptionId}/redeliver`, {
      fromSequence: from,
    });
    expect(redelivered.status).toBe(200);
    const again = new Map([...expected].map(([job, seqs]) => [job, seqs.filter((s) => s >= from)] as const));
    const againTotal = [...again.values()].reduce((n, seqs) => n + seqs.length, 0);
    await eventually(
      async () =>
        new Set(subscriber.accepted.slice(before).map((d) => d.sequence)).size >= againTotal
          ? true
          : undefined,
      { what: 'the redelivery', timeoutMs: 30_000 },
    );
    expect(acceptedByJob(subscriber.accepted, before)).toEqual(
      new Map([...again].filter(([, seqs]) => seqs.length > 0)),
    );

    // The signing secret is in no log and no delivery.
    for (const file of readdirSync(platform.logDir).filter((name) => name.endsWith('.log')))
      expect(readFileSync(join(platform.logDir, file), 'utf8')).not.toContain(secret);
    expect(JSON.stringify(subscriber.accepted)).not.toContain(secret);
  }, 300_000);
});
