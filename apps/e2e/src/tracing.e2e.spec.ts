import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, startOtlpSink, type OtlpSink, type SinkSpan } from '@aether/testing';
import { REPO_ROOT, startTestPlatform, type TestPlatform } from '@aether/platform';
import { launchChromium } from './console/browser';
import { waterfallHtml } from './tracing/waterfall';

const OUTPUT_DIR = join(REPO_ROOT, 'test-output', 'tracing');

/**
 * The endpoints the job calls: `POST /flaky` fails its first call with a 503 (a retryable
 * failure) and answers the next; `GET /hold` keeps its first call waiting, so a robot is inside
 * that step when it is killed, and answers every later one at once.
 */
function startTarget() {
  let flakyCalls = 0;
  const held: ServerResponse[] = [];
  const server: Server = createServer((request, response) => {
    if (request.url === '/flaky') {
      flakyCalls++;
      response.writeHead(flakyCalls === 1 ? 503 : 200, { 'content-type': 'application/json' });
      response.end('{}');
    } else if (request.url === '/hold' && held.length === 0) held.push(response);
    else {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"released":true}');
    }
  });
  return {
    server,
    holding: () => held.length > 0,
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const WORKFLOW = {
  id: 'traced',
  autoRetryAmbiguous: true,
  inputs: { target: { type: 'string', required: true } },
  nodes: [
    { id: 'again', type: 'retry', params: { attempts: 3, backoffMs: 100 }, body: 'call', next: 'hold' },
    {
      id: 'call',
      type: 'http.request',
      params: { method: 'POST', url: '{{ inputs.target }}/flaky', json: {} },
    },
    {
      id: 'hold',
      type: 'http.request',
      params: { method: 'GET', url: '{{ inputs.target }}/hold' },
      next: 'mark',
    },
    { id: 'mark', type: 'data.set', params: { values: { done: true } } },
  ],
};

/**
 * A job is one trace across every process (ADR 50): every service and robot exports to an OTLP
 * receiver over HTTP/JSON; the job's first step fails once and is retried, and the robot running
 * it is SIGKILLed inside its second step. The spans the receiver holds form one trace from the
 * trigger's HTTP request to the last step: the resumed claim on the other robot is in it, below
 * the placement that moved the job, and each step attempt is there once.
 */
describe('one trace per job, across a retry and a robot killed mid-job', () => {
  let sink: OtlpSink;
  let platform: TestPlatform;
  const target = startTarget();
  let targetUrl: string;

  beforeAll(async () => {
    sink = await startOtlpSink();
    targetUrl = await target.listen();
    platform = await startTestPlatform({
      name: 'tracing',
      demoSite: false,
      robots: 2,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
      },
    });
    expect((await platform.api('POST', '/api/v1/workflows', WORKFLOW)).status).toBe(201);
  });

  afterAll(async () => {
    await platform?.stop();
    await target.close();
    await sink?.close();
  });

  it('joins the HTTP request, scheduler, dispatcher, both robots and every step attempt in one trace', async () => {
    const { status, body } = await platform.api<{ jobId: string }>(
      'POST',
      '/api/v1/workflows/traced/trigger',
      {
        variables: { target: targetUrl },
      },
    );
    expect(status).toBe(202);
    const jobId = body.jobId;
    const stepSpans = (key: string) =>
      sink.spans().filter((s) => s.name === 'step http.request' && s.attributes['aether.step.key'] === key);

    // Robot one has retried the flaky step and exported both attempts, and now waits in `hold`.
    await eventually(() => (target.holding() && stepSpans('call').length === 2) || undefined, {
      timeoutMs: 60_000,
      what: 'both attempts of the flaky step exported and the job inside its held step',
    });
    const history = await platform.events(jobId);
    const holderId = history.find((e) => e.type === 'JobStarted')?.data['robotId'];
    const holder = platform.stack.robots.find((r) => r.name === holderId);
    if (!holder) throw new Error(`robot ${String(holderId)} is not one of the stack's`);
    const killedAt = Date.now();
    holder.child.kill('SIGKILL');

    await eventually(
      async () => ((await platform.events(jobId)).some((e) => e.type === 'JobCompleted') ? true : undefined),
      { timeoutMs: 60_000, what: 'the job completed on the other robot' },
    );
    const survivor = platform.stack.robots.find((r) => r !== holder)?.name;
    const resumedClaim = () =>
      sink
        .spans()
        .find(
          (s) =>
            s.name === 'claim job' &&
            s.attributes['aether.job.id'] === jobId &&
            s.attributes['aether.robot.id'] === survivor,
        );
    await eventually(() => (resumedClaim() && stepSpans('hold').length > 0) || undefined, {
      timeoutMs: 30_000,
      what: "the surviving robot's claim and step exported",
    });

    const triggers = sink
      .spans()
      .filter((s) => s.service === 'gateway' && s.name === 'POST /api/v1/workflows/:workflowId/trigger');
    expect(triggers.map((s) => s.parentSpanId)).toEqual(['']);
    const trigger = triggers[0];
    const trace = sink.spans().filter((s) => s.traceId === trigger?.traceId);
    mkdirSync(OUTPUT_DIR, { recursive: true });
    writeFileSync(join(OUTPUT_DIR, 'job-trace.json'), JSON.stringify(trace, null, 2));
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const services = new Set(trace.map((s) => s.service));
    expect([...services].sort()).toEqual(
      expect.arrayContaining(['dispatcher', 'gateway', 'robot', 'scheduler']),
    );
    // Every span that names the job is in this trace, on every process.
    expect(
      sink.spans().filter((s) => s.attributes['aether.job.id'] === jobId && s.traceId !== trigger?.traceId),
    ).toEqual([]);
    expect(trace.some((s) => s.service === 'scheduler' && s.name === 'process RequestJob')).toBe(true);

    // Each step attempt once: the flaky step's two attempts (the first failed) on the killed
    // robot; the held step once on the survivor (the killed robot's attempt never ended, so it
    // was never exported), then the last step.
    const call = stepSpans('call').sort((a, b) => a.startMs - b.startMs);
    expect(
      call.map((s) => [
        s.traceId,
        s.attributes['aether.step.attempt'],
        s.attributes['aether.robot.id'],
        s.statusCode === 2,
      ]),
    ).toEqual([
      [trigger?.traceId, 1, holderId, true],
      [trigger?.traceId, 2, holderId, false],
    ]);
    expect(stepSpans('hold').map((s) => [s.traceId, s.attributes['aether.robot.id']])).toEqual([
      [trigger?.traceId, survivor],
    ]);
    expect(
      trace.filter((s) => s.name === 'step data.set').map((s) => s.attributes['aether.step.key']),
    ).toEqual(['mark']);

    // The resumed claim hangs below a dispatcher placement of this trace, not in a trace of its own.
    const claim = resumedClaim() as SinkSpan;
    expect(claim.traceId).toBe(trigger?.traceId);
    expect(byId.get(claim.parentSpanId)?.service).toBe('dispatcher');
    // The tree is whole: every parent is in the trace but the spans the killed robot never ended
    // (its claim, and the step it died in), so only spans it began before it died hang loose.
    const orphans = trace.filter((s) => s !== trigger && !byId.has(s.parentSpanId));
    expect(orphans.length).toBeGreaterThan(0);
    for (const orphan of orphans) {
      expect(orphan.service).toBe('robot');
      expect(orphan.startMs).toBeLessThanOrEqual(killedAt);
    }
    expect(
      orphans.filter((s) => s.name.startsWith('step ')).map((s) => s.attributes['aether.robot.id']),
    ).toEqual([holderId, holderId]);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.setContent(waterfallHtml(trace));
      await page.screenshot({ path: join(OUTPUT_DIR, 'job-trace.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 240_000);
});
